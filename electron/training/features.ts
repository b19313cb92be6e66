// Backbone features, computed once by the fastest runtime (ONNX Runtime on the exported
// graph) and cached on disk. A cache entry's key is SHA-256 over the backbone weights'
// hash, the preprocessing (window, normalisation, input size, augmentation copy) and the
// image's content hash, so changing any of them computes new features and nothing stale is read.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readRegularFile } from '../../common/node/read-file';
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { CancelledError } from '../../common/cancel';
import { nhwcToNchw, OnnxModelSession } from '../../models/inference';
import type { Preprocessing } from '../../models/package/metadata';
import { seededRandom } from '../../models/training/metrics';
import { imageContentHash, loadModelInputs, normalisedBlack, type ImageRef } from '../dicom/model-input';
import { augment, type Augmentation } from './augment';

export interface FeatureSpec {
  /** Hash of the backbone weights (see weightsHash in train.ts). */
  weightsHash: string;
  preprocessing: Preprocessing;
  inputSize: number;
  /** Copies per image: copy 0 is the image itself, copies 1.. are seeded augmentations. */
  copies: number;
  augmentation: Augmentation;
  seed: number;
}

export interface FeatureResult {
  /** features[copy][image] */
  features: Float32Array[][];
  dim: number;
  cached: number;
  computed: number;
  seconds: number;
}

export function featureKey(spec: FeatureSpec, imageHash: string, copy: number): string {
  // draw: how an augmented copy's generator is seeded (augmentationSeed); a copy drawn another way is computed anew.
  const pre = JSON.stringify({ p: spec.preprocessing, s: spec.inputSize, a: copy === 0 ? null : spec.augmentation, seed: copy === 0 ? null : spec.seed, copy, ...(copy === 0 ? {} : { draw: 'pixels' }) });
  return createHash('sha256').update(spec.weightsHash).update('\0').update(pre).update('\0').update(imageHash).digest('hex');
}

/**
 * The seed of an augmented copy's generator: from the image's model input (its pixels as
 * preprocessed) and the copy, not from the file, so that the same pixels in a file with other
 * UIDs (a re-export) get the same augmentations.
 */
export function augmentationSeed(input: Float32Array, copy: number, seed: number): number {
  const h = createHash('sha256').update(new Uint8Array(input.buffer, input.byteOffset, input.byteLength)).update(`\0copy ${copy}`).digest();
  return (h.readUInt32BE(0) ^ seed) >>> 0;
}

/**
 * The one folder of cached backbone features for a library: <library>/feature-cache. Training,
 * series heads, suggestions and series-head prediction, from the app and the CLI, all read and
 * fill it, so features computed once serve every later run on the same images.
 */
export function featureCacheDir(libraryDir: string): string {
  return path.join(path.resolve(libraryDir), 'feature-cache');
}

/** Features for every image and copy, from the cache or computed with ONNX Runtime (`onnx`: path or bytes of a graph with a "features" output). */
export async function extractFeatures(
  onnx: string | Uint8Array,
  spec: FeatureSpec,
  images: ImageRef[],
  cacheDir: string,
  opts: { batchSize?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<FeatureResult> {
  const started = Date.now();
  const size = spec.inputSize;
  const per = size * size * 3;
  const batchSize = opts.batchSize ?? 16;
  const fill = normalisedBlack(spec.preprocessing);
  const jobs: { image: number; copy: number; key: string }[] = [];
  const hashes = images.map((im) => imageContentHash(im));
  for (let copy = 0; copy < spec.copies; copy++) images.forEach((_, i) => jobs.push({ image: i, copy, key: featureKey(spec, hashes[i], copy) }));
  const features: Float32Array[][] = Array.from({ length: spec.copies }, () => new Array<Float32Array>(images.length));
  const file = (key: string) => path.join(cacheDir, key.slice(0, 2), `${key}.f32`);
  const missing: typeof jobs = [];
  let cached = 0;
  for (const j of jobs) {
    const f = file(j.key);
    if (existsSync(f)) {
      const b = readRegularFile(f, 'cache');
      features[j.copy][j.image] = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      cached++;
    } else missing.push(j);
  }
  let dim = features[0].find(Boolean)?.length ?? 0;
  // A cache: on a full or read-only disk (a library on a disc) the features are used without being kept.
  let keep = true;
  if (missing.length) {
    const session = await OnnxModelSession.create(onnx);
    try {
      for (let s = 0; s < missing.length; s += batchSize) {
        if (opts.signal?.aborted) throw new CancelledError();
        const chunk = missing.slice(s, s + batchSize);
        const nhwc = new Float32Array(chunk.length * per);
        const inputs = await loadModelInputs(chunk.map((j) => images[j.image]), spec.preprocessing, size);
        for (let i = 0; i < chunk.length; i++) {
          const j = chunk[i];
          let x = inputs[i];
          if (j.copy > 0) x = augment(x, size, spec.augmentation, seededRandom(augmentationSeed(x, j.copy, spec.seed)), fill);
          nhwc.set(x, i * per);
        }
        const out = await session.run(nhwcToNchw(nhwc, chunk.length, size, size, 3), chunk.length);
        dim = out.features.length / chunk.length;
        for (let i = 0; i < chunk.length; i++) {
          const v = out.features.slice(i * dim, (i + 1) * dim);
          features[chunk[i].copy][chunk[i].image] = v;
          if (!keep) continue;
          const f = file(chunk[i].key);
          try {
            ensurePrivateDir(path.dirname(f));
            // A cache: recomputed when lost, so not flushed to disk one file at a time.
            writeFileAtomic(f, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), { durable: false });
          } catch (err) {
            if (!describeDiskProblem(err, cacheDir)) throw err;
            keep = false;
          }
        }
        opts.onProgress?.(cached + s + chunk.length, jobs.length);
      }
    } finally {
      await session.release();
    }
  }
  opts.onProgress?.(jobs.length, jobs.length);
  return { features, dim, cached, computed: missing.length, seconds: (Date.now() - started) / 1000 };
}
