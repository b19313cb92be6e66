// Progressive learning (EfficientNetV2 paper, Algorithm 1): training is split into M stages;
// stage i uses image size S_i and regularisation R_i interpolated linearly from (S_0, R_0)
// to (S_e, R_e), so small images come with weak regularisation and both rise together.
import type * as tf from '@tensorflow/tfjs';

export interface ProgressiveOptions {
  epochs: number;
  /** M in the paper (4 there); 1 means train everything at the final settings. */
  stages: number;
  minSize: number;
  maxSize: number;
  minDropout: number;
  maxDropout: number;
  /** RandAugment magnitude, rising with the stage (default 0 -> 0, i.e. off). */
  minRandAugment?: number;
  maxRandAugment?: number;
  /** Mixup alpha, rising with the stage (default 0 -> 0, i.e. off). */
  minMixup?: number;
  maxMixup?: number;
  /** Image sizes are rounded to a multiple of this (default 8, as customVariant's resolution). */
  sizeMultiple?: number;
}

export interface ProgressiveEpoch {
  epoch: number;
  stage: number;
  imageSize: number;
  dropout: number;
  randAugmentMagnitude: number;
  mixupAlpha: number;
}

/**
 * The paper's settings (EfficientNetV2 Table 6: size, RandAugment, mixup alpha, dropout,
 * min -> max). Use as `progressiveSchedule({ ...V2_PROGRESSIVE['v2-s'], epochs, stages: 4 })`.
 */
export const V2_PROGRESSIVE = {
  'v2-s': { minSize: 128, maxSize: 300, minRandAugment: 5, maxRandAugment: 15, minMixup: 0, maxMixup: 0, minDropout: 0.1, maxDropout: 0.3 },
  'v2-m': { minSize: 128, maxSize: 380, minRandAugment: 5, maxRandAugment: 20, minMixup: 0, maxMixup: 0.2, minDropout: 0.1, maxDropout: 0.4 },
  'v2-l': { minSize: 128, maxSize: 380, minRandAugment: 5, maxRandAugment: 25, minMixup: 0, maxMixup: 0.4, minDropout: 0.1, maxDropout: 0.5 },
} as const;

/** One entry per epoch: the stage it belongs to and that stage's size and regularisation. */
export function progressiveSchedule(opts: ProgressiveOptions): ProgressiveEpoch[] {
  const { epochs, stages, minSize, maxSize, minDropout, maxDropout } = opts;
  const minRandAugment = opts.minRandAugment ?? 0;
  const maxRandAugment = opts.maxRandAugment ?? minRandAugment;
  const minMixup = opts.minMixup ?? 0;
  const maxMixup = opts.maxMixup ?? minMixup;
  const multiple = opts.sizeMultiple ?? 8;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`progressiveSchedule: epochs must be a positive integer, got ${epochs}.`);
  if (!Number.isInteger(stages) || stages < 1 || stages > epochs) throw new Error(`progressiveSchedule: stages must be an integer from 1 to epochs (${epochs}), got ${stages}.`);
  if (!(minSize > 0 && minSize <= maxSize)) throw new Error(`progressiveSchedule: need 0 < minSize <= maxSize, got ${minSize} and ${maxSize}.`);
  if (!(minDropout >= 0 && minDropout <= maxDropout && maxDropout < 1)) throw new Error(`progressiveSchedule: need 0 <= minDropout <= maxDropout < 1, got ${minDropout} and ${maxDropout}.`);
  if (minRandAugment > maxRandAugment || minMixup > maxMixup) throw new Error('progressiveSchedule: regularisation must not decrease (min <= max).');
  if (!Number.isInteger(multiple) || multiple < 1) throw new Error(`progressiveSchedule: sizeMultiple must be a positive integer, got ${multiple}.`);

  const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
  const schedule: ProgressiveEpoch[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const stage = Math.floor((epoch * stages) / epochs);
    const t = stages === 1 ? 1 : stage / (stages - 1);
    schedule.push({
      epoch,
      stage,
      imageSize: Math.max(multiple, Math.round(lerp(minSize, maxSize, t) / multiple) * multiple),
      dropout: lerp(minDropout, maxDropout, t),
      randAugmentMagnitude: lerp(minRandAugment, maxRandAugment, t),
      mixupAlpha: lerp(minMixup, maxMixup, t),
    });
  }
  return schedule;
}

/**
 * Sets the rate of the model's Dropout layer named `layerName` (default Keras' `top_dropout`)
 * for the next training steps. TF.js reads the rate on each call, so a compiled model picks it up.
 */
export function setDropoutRate(model: tf.LayersModel, rate: number, layerName = 'top_dropout'): void {
  if (!(rate >= 0 && rate < 1)) throw new Error(`setDropoutRate: rate must be in [0, 1), got ${rate}.`);
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer || layer.getClassName() !== 'Dropout') throw new Error(`setDropoutRate: the model has no Dropout layer named "${layerName}".`);
  // TF.js declares `rate` readonly, but reads it on every call (the V2 schedule changes it per stage).
  (layer as unknown as { rate: number }).rate = rate;
}
