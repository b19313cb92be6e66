// The training loop shared by head training (on cached features) and from-scratch or
// fine-tuning runs (on images): weighted cross-entropy, Adam, a cosine learning-rate
// schedule, early stopping on a validation metric, and a checkpointable state.
//
// Reproducibility: every random choice (batch order, dropout masks, augmentation) comes from
// the caller's seeded generators, and Adam is written out here (moments as variables, the
// bias correction computed from the step count in float64) so that a run resumed from a
// checkpoint continues bit for bit as the uninterrupted run would.
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from './metrics';

export interface FitConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** 'cosine' decays from learningRate to 1% of it over the epochs; 'constant' keeps it. */
  schedule: 'cosine' | 'constant';
  /** Stop after this many epochs without a better validation metric (0: never stop early). */
  patience: number;
  /** Loss weight per class (e.g. inverse frequency); all ones for none. */
  classWeights: number[];
  seed: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 on kernels (decoupled, as AdamW); default 0. */
  weightDecay?: number;
}

/** Named float arrays: what a checkpoint holds. */
export type NamedArrays = { name: string; shape: number[]; data: Float32Array }[];

export interface EpochRecord {
  epoch: number;
  loss: number;
  learningRate: number;
  /** The validation metric early stopping watches (higher is better). */
  valMetric: number;
  valLoss: number;
  seconds: number;
}

export interface FitState {
  /** Epochs completed. */
  epoch: number;
  step: number;
  weights: NamedArrays;
  adam: { m: NamedArrays; v: NamedArrays };
  best: { epoch: number; metric: number; weights: NamedArrays } | null;
  sinceBest: number;
  history: EpochRecord[];
  stopped: 'epochs' | 'early' | null;
}

export interface Batch {
  x: tf.Tensor;
  labels: number[];
}

export interface FitOptions {
  model: tf.LayersModel;
  /** Run the model in training mode (BatchNorm batch statistics and updates). */
  trainingMode: boolean;
  trainCount: number;
  config: FitConfig;
  /** Builds the inputs for these training indices; `rand` is seeded per epoch and batch. */
  /** `epoch` counts from 0 (progressive resizing picks the image size by it). */
  makeBatch(indices: number[], rand: () => number, epoch: number): Promise<Batch> | Batch;
  /** Scores on the validation set: returns the metric to maximise and the loss. */
  validate(): Promise<{ metric: number; loss: number }>;
  resume?: FitState;
  onStep?(info: { epoch: number; step: number; stepsPerEpoch: number; loss: number }): void;
  /** Called after each epoch with the state to checkpoint. */
  onEpoch?(state: FitState, record: EpochRecord): Promise<void> | void;
  /** Throws to stop (e.g. cancellation); checked between steps. */
  checkCancelled?(): void;
}

export function snapshotWeights(model: tf.LayersModel): NamedArrays {
  return model.weights.map((w) => ({ name: w.originalName, shape: w.shape.map((d) => d as number), data: w.read().dataSync().slice() as Float32Array }));
}

export function restoreWeights(model: tf.LayersModel, saved: NamedArrays): void {
  const byName = new Map(saved.map((s) => [s.name, s]));
  for (const w of model.weights) {
    const s = byName.get(w.originalName);
    if (!s) throw new Error(`checkpoint has no weight ${w.originalName}`);
    w.write(tf.tensor(s.data, s.shape));
  }
}

/** Weighted mean cross-entropy of probabilities [n, K] against integer labels. */
export function weightedCrossEntropy(probs: tf.Tensor, labels: number[], classWeights: number[]): tf.Scalar {
  return tf.tidy(() => {
    const K = probs.shape[1] as number;
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), K);
    const w = tf.tensor1d(labels.map((l) => classWeights[l] ?? 1));
    const nll = tf.neg(tf.sum(tf.mul(onehot, tf.log(tf.clipByValue(probs, 1e-7, 1))), 1));
    return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w)) as tf.Scalar;
  });
}

export function learningRateAt(config: FitConfig, epoch: number): number {
  if (config.schedule === 'constant' || config.epochs <= 1) return config.learningRate;
  const floor = 0.01 * config.learningRate;
  return floor + 0.5 * (config.learningRate - floor) * (1 + Math.cos((Math.PI * epoch) / (config.epochs - 1)));
}

/** Seed of an epoch's generator (batch order and everything random inside the epoch). */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed + 1, 0x2545f491) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
}

export function shuffled(n: number, rand: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

function isKernel(name: string): boolean {
  return /kernel/.test(name);
}

/** Trains `model` until the epochs run out or early stopping ends it; returns the final state. */
export async function fit(opts: FitOptions): Promise<FitState> {
  const { model, config } = opts;
  const beta1 = config.beta1 ?? 0.9;
  const beta2 = config.beta2 ?? 0.999;
  const eps = config.epsilon ?? 1e-7;
  const trainable = model.trainableWeights.map((w) => ({ name: w.originalName, variable: (w as unknown as { val: tf.Variable }).val }));
  if (trainable.some((t) => !t.variable)) throw new Error('fit: could not reach the model\'s trainable variables.');
  const state: FitState = opts.resume ?? { epoch: 0, step: 0, weights: [], adam: { m: [], v: [] }, best: null, sinceBest: 0, history: [], stopped: null };
  if (opts.resume) restoreWeights(model, opts.resume.weights);
  const restoreMoments = (saved: NamedArrays) => {
    const byName = new Map(saved.map((s) => [s.name, s]));
    return trainable.map((t) => {
      const s = byName.get(t.name);
      return tf.variable(s ? tf.tensor(s.data, s.shape) : tf.zerosLike(t.variable), false);
    });
  };
  const m = restoreMoments(state.adam.m);
  const v = restoreMoments(state.adam.v);
  const stepsPerEpoch = Math.max(1, Math.ceil(opts.trainCount / config.batchSize));
  try {
    while (state.stopped === null && state.epoch < config.epochs) {
      const started = Date.now();
      const epoch = state.epoch;
      const lr = learningRateAt(config, epoch);
      const rand = seededRandom(epochSeed(config.seed, epoch));
      const order = shuffled(opts.trainCount, rand);
      let lossSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        // Let the event loop run between steps: a worker must see a cancel request while it trains.
        await new Promise<void>((resolve) => setImmediate(resolve));
        opts.checkCancelled?.();
        const indices = order.slice(s * config.batchSize, (s + 1) * config.batchSize);
        if (indices.length === 0) continue;
        const batch = await opts.makeBatch(indices, seededRandom(epochSeed(config.seed + 7919 * (s + 1), epoch)), epoch);
        const t = state.step + 1;
        const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        const lossValue = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => weightedCrossEntropy(model.apply(batch.x, { training: opts.trainingMode }) as tf.Tensor, batch.labels, config.classWeights), trainable.map((t) => t.variable));
          trainable.forEach((tv, i) => {
            const g = grads[tv.variable.name];
            if (!g) return;
            m[i].assign(tf.add(tf.mul(m[i], beta1), tf.mul(g, 1 - beta1)));
            v[i].assign(tf.add(tf.mul(v[i], beta2), tf.mul(tf.square(g), 1 - beta2)));
            let update = tf.div(tf.mul(m[i], lrT), tf.add(tf.sqrt(v[i]), eps));
            if (config.weightDecay && isKernel(tv.name)) update = tf.add(update, tf.mul(tv.variable, lr * config.weightDecay));
            tv.variable.assign(tf.sub(tv.variable, update));
          });
          return value.dataSync()[0];
        });
        batch.x.dispose();
        state.step = t;
        lossSum += lossValue * indices.length;
        opts.onStep?.({ epoch, step: s + 1, stepsPerEpoch, loss: lossValue });
      }
      const val = await opts.validate();
      const record: EpochRecord = { epoch: epoch + 1, loss: lossSum / opts.trainCount, learningRate: lr, valMetric: val.metric, valLoss: val.loss, seconds: (Date.now() - started) / 1000 };
      state.history.push(record);
      state.epoch = epoch + 1;
      if (state.best === null || val.metric > state.best.metric) {
        state.best = { epoch: epoch + 1, metric: val.metric, weights: snapshotWeights(model) };
        state.sinceBest = 0;
      } else state.sinceBest++;
      if (config.patience > 0 && state.sinceBest >= config.patience) state.stopped = 'early';
      else if (state.epoch >= config.epochs) state.stopped = 'epochs';
      state.weights = snapshotWeights(model);
      state.adam = {
        m: m.map((x, i) => ({ name: trainable[i].name, shape: x.shape, data: x.dataSync().slice() as Float32Array })),
        v: v.map((x, i) => ({ name: trainable[i].name, shape: x.shape, data: x.dataSync().slice() as Float32Array })),
      };
      await opts.onEpoch?.(state, record);
    }
  } finally {
    tf.dispose([...m, ...v]);
  }
  if (state.best) restoreWeights(model, state.best.weights);
  return state;
}

// ---- checkpoint files: one JSON header + one binary blob --------------------------------

export function encodeState(state: FitState): { json: string; blob: Uint8Array } {
  const arrays: Float32Array[] = [];
  let offset = 0;
  const ref = (list: NamedArrays) =>
    list.map((a) => {
      arrays.push(a.data);
      const r = { name: a.name, shape: a.shape, offset, length: a.data.length };
      offset += a.data.length;
      return r;
    });
  const header = {
    epoch: state.epoch,
    step: state.step,
    sinceBest: state.sinceBest,
    history: state.history,
    stopped: state.stopped,
    weights: ref(state.weights),
    m: ref(state.adam.m),
    v: ref(state.adam.v),
    best: state.best ? { epoch: state.best.epoch, metric: state.best.metric, weights: ref(state.best.weights) } : null,
  };
  const all = new Float32Array(offset);
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return { json: JSON.stringify(header), blob: new Uint8Array(all.buffer) };
}

export function decodeState(json: string, blob: Uint8Array): FitState {
  const h = JSON.parse(json);
  const all = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength));
  const get = (list: { name: string; shape: number[]; offset: number; length: number }[]): NamedArrays =>
    list.map((r) => ({ name: r.name, shape: r.shape, data: all.slice(r.offset, r.offset + r.length) }));
  return {
    epoch: h.epoch,
    step: h.step,
    sinceBest: h.sinceBest,
    history: h.history,
    stopped: h.stopped,
    weights: get(h.weights),
    adam: { m: get(h.m), v: get(h.v) },
    best: h.best ? { epoch: h.best.epoch, metric: h.best.metric, weights: get(h.best.weights) } : null,
  };
}
