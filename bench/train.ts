// `lumen bench train`: the two numbers transfer learning depends on — backbone feature
// extraction on ONNX Runtime (images/s, what the feature cache fills at) and training a
// dense head in TF.js on 1,000 cached feature vectors (seconds).
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { createClassifier, embeddingDim } from '../models';
import { nhwcToNchw, OnnxModelSession } from '../models/inference';
import { exportOnnx } from '../models/onnx';
import { activeBackend, initBackend } from '../models/runtime';
import { fit } from '../models/training/fit';
import { seededRandom } from '../models/training/metrics';
import { parseVariant, standaloneModel } from '../electron/training/train';
import { count, intOption, median, type BenchSuite } from './suite';
import { parseCommandArgs, printJson } from '../electron/cli/command';

export const suite: BenchSuite = {
  summary: 'Transfer learning: feature extraction on ONNX Runtime (images/s) and head training on 1,000 cached feature vectors (s).',
  usage: 'lumen bench train [--variant b0] [--resolution 224] [--batch 16] [--images 64] [--vectors 1000] [--epochs 30] [--backend wasm|cpu] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      variant: { type: 'string' }, resolution: { type: 'string' }, batch: { type: 'string' }, images: { type: 'string' },
      vectors: { type: 'string' }, epochs: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
    });
    const int = (v: string | undefined, d: number, name: string) => intOption(v, d, name, 1);
    const spec = parseVariant(values.variant ?? 'b0');
    const size = int(values.resolution, spec.resolution, 'resolution');
    const batch = int(values.batch, 16, 'batch');
    const images = int(values.images, 64, 'images');
    const vectors = int(values.vectors, 1000, 'vectors');
    const epochs = int(values.epochs, 30, 'epochs');
    await initBackend((values.backend as 'wasm' | 'cpu' | undefined) ?? null);

    // Feature extraction: the exported graph on ONNX Runtime's cpu provider, batches of normalised images.
    const classifier = createClassifier({ variant: spec, classes: 3, inputSize: size, seed: 1 });
    const plain = standaloneModel(classifier, spec, size);
    const onnx = exportOnnx(plain).bytes;
    plain.dispose();
    classifier.dispose();
    const session = await OnnxModelSession.create(onnx);
    const rand = seededRandom(1);
    const nhwc = Float32Array.from({ length: batch * size * size * 3 }, () => rand() * 4 - 2);
    const input = nhwcToNchw(nhwc, batch, size, size, 3);
    await session.run(input, batch); // warm-up
    const runs: number[] = [];
    let done = 0;
    while (done < images) {
      const t = performance.now();
      await session.run(input, batch);
      runs.push(performance.now() - t);
      done += batch;
    }
    await session.release();
    const msPerBatch = median(runs);
    const featureImagesPerSecond = (batch * 1000) / msPerBatch;

    // Head training: 1,000 feature vectors (3 separable classes), Adam, the same loop as `lumen train`.
    const dim = embeddingDim(spec);
    const head = createClassifier({ variant: spec, classes: 3, inputSize: 32, seed: 1, init: 'zeros' }).headModel;
    const labels = Array.from({ length: vectors }, (_, i) => i % 3);
    const feats = labels.map((l) => Float32Array.from({ length: dim }, (_, d) => rand() + (d % 3 === l ? 0.5 : 0)));
    const t0 = performance.now();
    const state = await fit({
      model: head, trainingMode: false, trainCount: vectors,
      config: { epochs, batchSize: 32, learningRate: 3e-3, schedule: 'cosine', patience: 0, classWeights: [1, 1, 1], seed: 1 },
      makeBatch(indices) {
        const x = new Float32Array(indices.length * dim);
        indices.forEach((i, r) => x.set(feats[i], r * dim));
        return { x: tf.tensor2d(x, [indices.length, dim]), labels: indices.map((i) => labels[i]) };
      },
      async validate() {
        return { metric: 0, loss: 0 };
      },
    });
    const headSeconds = (performance.now() - t0) / 1000;
    const result = {
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
      featureExtraction: { runtime: 'onnxruntime-node cpu', variant: spec.name, resolution: size, batch, imagesPerSecond: Number(featureImagesPerSecond.toFixed(1)), msPerBatchMedian: Number(msPerBatch.toFixed(1)), batches: runs.length },
      headTraining: { backend: activeBackend(), vectors, dim, classes: 3, epochs: state.epoch, batchSize: 32, seconds: Number(headSeconds.toFixed(2)), finalLoss: Number(state.history.at(-1)!.loss.toFixed(4)) },
    };
    if (values.json) printJson(result);
    else {
      process.stdout.write(
        `Feature extraction (${spec.name} @ ${size}px, ONNX Runtime cpu, batch ${batch}): ${result.featureExtraction.imagesPerSecond} images/s (median ${result.featureExtraction.msPerBatchMedian} ms per batch)\n` +
          `Head training (${vectors} cached vectors x ${dim}, ${count(state.epoch, 'epoch')}, TF.js ${activeBackend()}): ${result.headTraining.seconds} s\n`,
      );
    }
    return 0;
  },
};
