// The training loop's parts on cases worked out by hand: the cosine learning-rate
// schedule, the class-weighted cross-entropy, class weights moving what a model
// learns, and early stopping (when it stops, and that the best epoch's weights
// are the ones kept).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit, learningRateAt, snapshotWeights, weightedCrossEntropy, type FitConfig } from '../../models/training/fit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base: FitConfig = { epochs: 11, batchSize: 10, learningRate: 0.1, schedule: 'cosine', patience: 0, classWeights: [1, 1], seed: 3 };

describe('learningRateAt', () => {
  it('cosine goes from the rate to 1% of it over the epochs, halfway at the middle, never rising', () => {
    expect(learningRateAt(base, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(base, 10)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(base, 5)).toBeCloseTo((0.1 + 0.001) / 2, 12);
    for (let e = 1; e <= 10; e++) expect(learningRateAt(base, e)).toBeLessThan(learningRateAt(base, e - 1));
  });

  it('constant stays; a single epoch uses the rate as given', () => {
    expect(learningRateAt({ ...base, schedule: 'constant' }, 7)).toBe(0.1);
    expect(learningRateAt({ ...base, epochs: 1 }, 0)).toBe(0.1);
  });
});

describe('weightedCrossEntropy', () => {
  it('is the weighted mean of -log p(label), with probabilities clipped at 1e-7', () => {
    const probs = tf.tensor2d([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.6, 0.4],
      [1, 0],
    ]);
    const labels = [0, 1, 1, 1];
    const nll = [-Math.log(0.9), -Math.log(0.8), -Math.log(0.4), -Math.log(1e-7)];
    const plain = weightedCrossEntropy(probs, labels, [1, 1]).dataSync()[0];
    expect(plain).toBeCloseTo(nll.reduce((a, b) => a + b) / 4, 4);
    const weighted = weightedCrossEntropy(probs, labels, [3, 0.5]).dataSync()[0];
    expect(weighted).toBeCloseTo((3 * nll[0] + 0.5 * (nll[1] + nll[2] + nll[3])) / (3 + 0.5 * 3), 4);
    probs.dispose();
  });
});

/** Two-class softmax over one constant input: the model can only learn the class prior. */
function priorModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 2, inputShape: [1], activation: 'softmax', kernelInitializer: 'zeros', biasInitializer: 'zeros' }));
  return model;
}

async function trainPrior(classWeights: number[], labels: number[]): Promise<number> {
  const model = priorModel();
  // A metric that rises every epoch, so that the last epoch is the best one fit keeps.
  let epochs = 0;
  await fit({
    model,
    trainingMode: true,
    trainCount: labels.length,
    config: { ...base, epochs: 60, batchSize: 100, learningRate: 0.1, schedule: 'constant', classWeights },
    makeBatch: (indices) => ({ x: tf.ones([indices.length, 1]), labels: indices.map((i) => labels[i]) }),
    validate: async () => ({ metric: ++epochs, loss: 0 }),
  });
  const p = (model.predict(tf.ones([1, 1])) as tf.Tensor).dataSync()[1];
  model.dispose();
  return p;
}

describe('fit', () => {
  it('class weights move the learned prior: 10% positives give p = 0.1 unweighted and 0.5 with weights 1:9', async () => {
    const labels = Array.from({ length: 100 }, (_, i) => (i < 10 ? 1 : 0));
    expect(await trainPrior([1, 1], labels)).toBeCloseTo(0.1, 1);
    expect(await trainPrior([1, 9], labels)).toBeCloseTo(0.5, 1);
  });

  it('early stopping ends the run `patience` epochs after the best one and keeps the best weights', async () => {
    const model = priorModel();
    const metrics = [0.5, 0.7, 0.6, 0.65, 0.9, 0.95];
    const snapshots: number[][] = [];
    const labels = Array.from({ length: 20 }, (_, i) => i % 2);
    const state = await fit({
      model,
      trainingMode: true,
      trainCount: labels.length,
      config: { ...base, epochs: 6, patience: 2, schedule: 'constant', learningRate: 0.05 },
      makeBatch: (indices) => ({ x: tf.randomNormal([indices.length, 1], 0, 1, 'float32', 1), labels: indices.map((i) => labels[i]) }),
      validate: async () => ({ metric: metrics[snapshots.length], loss: 1 }),
      onEpoch: () => {
        snapshots.push(Array.from(snapshotWeights(model).flatMap((w) => Array.from(w.data))));
      },
    });
    // Best at epoch 2 (0.7); epochs 3 and 4 do not beat it: stop after epoch 4, never seeing 0.9.
    expect(state.stopped).toBe('early');
    expect(state.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(state.best).toMatchObject({ epoch: 2, metric: 0.7 });
    // The model ends with epoch 2's weights, not epoch 4's.
    const final = snapshotWeights(model).flatMap((w) => Array.from(w.data));
    expect(final).toEqual(snapshots[1]);
    expect(final).not.toEqual(snapshots[3]);
    model.dispose();
  });

  it('without patience it runs every epoch and says so', async () => {
    const model = priorModel();
    const state = await fit({
      model,
      trainingMode: true,
      trainCount: 4,
      config: { ...base, epochs: 3, patience: 0 },
      makeBatch: (indices) => ({ x: tf.ones([indices.length, 1]), labels: indices.map((i) => i % 2) }),
      validate: async () => ({ metric: 0, loss: 0 }),
    });
    expect(state.stopped).toBe('epochs');
    expect(state.history).toHaveLength(3);
    expect(state.history.map((h) => h.learningRate)).toEqual([0, 1, 2].map((e) => learningRateAt({ ...base, epochs: 3 }, e)));
    model.dispose();
  });
});
