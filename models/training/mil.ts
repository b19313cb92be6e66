// Multiple-instance learning for series labelled as a whole: gated attention pooling (Ilse,
// Tomczak and Welling 2018, "Attention-based Deep Multiple Instance Learning") over the
// backbone features of a series' slices. Each slice k has standardised features x_k; its
// attention score is e_k = w . (tanh(V x_k + bV) * sigmoid(U x_k + bU)), its weight
// a_k = softmax(e)_k, and the series' logits are W (sum_k a_k x_k) + b. Because the
// classifier is linear, those logits equal sum_k a_k (W x_k + b): the series score is the
// attention-weighted mean of the slices' own logits, so the same W, b folded into the
// package's dense layer give each slice its score, and the weights say which slices mattered.
//
// Plain typed-array code with hand-written gradients (checked against finite differences in
// test/training/mil-head.test.ts) and Adam: a series head on cached features is a few hundred
// thousand multiply-adds per series, far below what a TF.js graph would cost to set up, and
// the result is the same on every backend.
import { rocAuc, seededRandom } from './metrics';

/** A trained gated-attention head, on raw (unstandardised) backbone features once folded. */
export interface MilHead {
  dim: number;
  hidden: number;
  classes: number;
  /** Standardisation of the features: x = (f - mean) / std. */
  mean: Float32Array;
  std: Float32Array;
  /** [dim * hidden] row-major (feature d, unit j at d * hidden + j), and [hidden]. */
  V: Float32Array;
  bV: Float32Array;
  U: Float32Array;
  bU: Float32Array;
  /** [hidden]: the attention score of a unit's gated activation. */
  w: Float32Array;
  /** [dim * classes] row-major, and [classes]. */
  W: Float32Array;
  b: Float32Array;
}

/** One series: its slices' features (each of length dim) and, to train, its class. */
export interface Bag {
  instances: Float32Array[];
  label?: number;
}

export interface MilPrediction {
  /** Softmax over the series' logits. */
  scores: number[];
  /** Per slice, in the bag's order; they sum to 1. */
  attention: number[];
  /** Per slice: softmax(W x_k + b), the slice's own scores under the same classifier. */
  instanceScores: number[][];
  /** The series' pooled features sum_k a_k x_k (standardised slices), what W and b score: the input of the series' uncertainty heads (series-ensemble.ts). */
  pooled: Float32Array;
}

export interface MilFitConfig {
  hidden?: number;
  epochs?: number;
  learningRate?: number;
  /** L2 on V, U, w and W (not the biases). */
  weightDecay?: number;
  /** Per-class loss weights (default balanced by the training bags' classes). */
  classWeights?: number[];
  /** Stop when the validation loss has not improved for this many epochs (0: never). */
  patience?: number;
  seed: number;
  onEpoch?: (e: MilEpoch) => void;
  /** Throws to stop (cancellation). */
  check?: () => void;
}

export interface MilEpoch {
  epoch: number;
  loss: number;
  valLoss: number;
  /** Validation AUC (binary; macro one-vs-rest otherwise), NaN without validation bags of two classes. */
  valMetric: number;
  learningRate: number;
  seconds: number;
}

export interface MilFit {
  head: MilHead;
  history: MilEpoch[];
  bestEpoch: number;
  stopped: 'epochs' | 'early';
}

function softmaxInPlace(v: Float64Array | number[]): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = Math.exp(v[i] - max);
    sum += v[i];
  }
  for (let i = 0; i < v.length; i++) v[i] /= sum;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Mean and standard deviation of every feature over all training slices (a floor keeps constant features finite). */
export function featureStandardisation(bags: Bag[], dim: number): { mean: Float32Array; std: Float32Array } {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  let n = 0;
  for (const bag of bags) for (const x of bag.instances) {
    n++;
    for (let d = 0; d < dim; d++) mean[d] += x[d];
  }
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(1, n);
  for (const bag of bags) for (const x of bag.instances) for (let d = 0; d < dim; d++) sq[d] += (x[d] - mean[d]) ** 2;
  const std = new Float64Array(dim);
  let avg = 0;
  for (let d = 0; d < dim; d++) {
    std[d] = Math.sqrt(sq[d] / Math.max(1, n));
    avg += std[d] / dim;
  }
  for (let d = 0; d < dim; d++) std[d] = Math.max(std[d], 1e-3 * avg, 1e-12);
  return { mean: Float32Array.from(mean), std: Float32Array.from(std) };
}

/** Forward pass on standardised slices; keeps what the backward pass needs. */
function forward(h: MilHead, xs: Float32Array[]) {
  const { dim, hidden: L, classes: K } = h;
  const n = xs.length;
  const t = new Float64Array(n * L);
  const s = new Float64Array(n * L);
  const e = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = xs[k];
    const pv = Float64Array.from(h.bV);
    const pu = Float64Array.from(h.bU);
    for (let d = 0; d < dim; d++) {
      const xd = x[d];
      if (xd === 0) continue;
      const row = d * L;
      for (let j = 0; j < L; j++) {
        pv[j] += xd * h.V[row + j];
        pu[j] += xd * h.U[row + j];
      }
    }
    let ek = 0;
    for (let j = 0; j < L; j++) {
      const tj = Math.tanh(pv[j]);
      const sj = sigmoid(pu[j]);
      t[k * L + j] = tj;
      s[k * L + j] = sj;
      ek += h.w[j] * tj * sj;
    }
    e[k] = ek;
  }
  const a = Float64Array.from(e);
  softmaxInPlace(a);
  const z = new Float64Array(dim);
  for (let k = 0; k < n; k++) for (let d = 0; d < dim; d++) z[d] += a[k] * xs[k][d];
  const logits = Float64Array.from(h.b);
  for (let d = 0; d < dim; d++) for (let c = 0; c < K; c++) logits[c] += z[d] * h.W[d * K + c];
  const p = Float64Array.from(logits);
  softmaxInPlace(p);
  return { t, s, a, z, p };
}

type Grads = Pick<MilHead, 'V' | 'bV' | 'U' | 'bU' | 'w' | 'W' | 'b'>;
const PARAMS = ['V', 'bV', 'U', 'bU', 'w', 'W', 'b'] as const;

function zeroGrads(h: MilHead): Grads {
  return Object.fromEntries(PARAMS.map((k) => [k, new Float32Array(h[k].length)])) as unknown as Grads;
}

/**
 * Adds one bag's gradient of weight * cross-entropy to g; returns its loss. Exported for the
 * finite-difference test.
 */
export function bagGradient(h: MilHead, xs: Float32Array[], label: number, weight: number, g: Grads): number {
  const { dim, hidden: L, classes: K } = h;
  const n = xs.length;
  const { t, s, a, z, p } = forward(h, xs);
  const dl = Array.from(p, (v, c) => weight * (v - (c === label ? 1 : 0)));
  const dz = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let acc = 0;
    for (let c = 0; c < K; c++) {
      g.W[d * K + c] += z[d] * dl[c];
      acc += h.W[d * K + c] * dl[c];
    }
    dz[d] = acc;
  }
  for (let c = 0; c < K; c++) g.b[c] += dl[c];
  // d loss / d a_k = x_k . dz; through the softmax: de_k = a_k (da_k - sum_j a_j da_j).
  const da = new Float64Array(n);
  let mean = 0;
  for (let k = 0; k < n; k++) {
    let acc = 0;
    for (let d = 0; d < dim; d++) acc += xs[k][d] * dz[d];
    da[k] = acc;
    mean += a[k] * acc;
  }
  const gv = new Float64Array(L);
  const gu = new Float64Array(L);
  for (let k = 0; k < n; k++) {
    const de = a[k] * (da[k] - mean);
    if (de === 0) continue;
    for (let j = 0; j < L; j++) {
      const tj = t[k * L + j];
      const sj = s[k * L + j];
      g.w[j] += de * tj * sj;
      const dg = de * h.w[j];
      gv[j] = dg * sj * (1 - tj * tj);
      gu[j] = dg * tj * sj * (1 - sj);
      g.bV[j] += gv[j];
      g.bU[j] += gu[j];
    }
    const x = xs[k];
    for (let d = 0; d < dim; d++) {
      const xd = x[d];
      if (xd === 0) continue;
      const row = d * L;
      for (let j = 0; j < L; j++) {
        g.V[row + j] += xd * gv[j];
        g.U[row + j] += xd * gu[j];
      }
    }
  }
  return -weight * Math.log(Math.max(p[label], 1e-12));
}

function standardised(h: Pick<MilHead, 'dim' | 'mean' | 'std'>, bag: Bag): Float32Array[] {
  return bag.instances.map((f) => {
    if (f.length !== h.dim) throw new Error(`A slice has ${f.length} features where the series head takes ${h.dim}: the package's backbone and its series head do not match.`);
    const x = new Float32Array(h.dim);
    for (let d = 0; d < h.dim; d++) x[d] = (f[d] - h.mean[d]) / h.std[d];
    return x;
  });
}

/** The series' scores, each slice's attention weight and each slice's own scores. */
export function predictBag(h: MilHead, bag: Bag): MilPrediction {
  if (bag.instances.length === 0) throw new Error('A series with no slices has no score.');
  const xs = standardised(h, bag);
  const { a, p, z } = forward(h, xs);
  const instanceScores = xs.map((x) => {
    const l = Array.from(h.b, Number);
    for (let d = 0; d < h.dim; d++) for (let c = 0; c < h.classes; c++) l[c] += x[d] * h.W[d * h.classes + c];
    softmaxInPlace(l);
    return l;
  });
  return { scores: Array.from(p), attention: Array.from(a), instanceScores, pooled: Float32Array.from(z) };
}

function macroAuc(scores: number[][], labels: number[], k: number): number {
  if (k === 2) return rocAuc(scores.map((s) => s[1]), labels.map((l) => l === 1));
  const aucs = Array.from({ length: k }, (_, c) => rocAuc(scores.map((s) => s[c]), labels.map((l) => l === c))).filter(Number.isFinite);
  return aucs.length ? aucs.reduce((x, y) => x + y, 0) / aucs.length : NaN;
}

function copyHead(h: MilHead): MilHead {
  return { ...h, ...Object.fromEntries(PARAMS.map((k) => [k, Float32Array.from(h[k])])) } as MilHead;
}

/**
 * Trains a gated-attention head on training bags (one Adam step per bag, bags shuffled with
 * the seed each epoch); keeps the weights of the epoch with the lowest validation loss.
 */
export function fitMil(train: Bag[], validation: Bag[], classes: number, config: MilFitConfig): MilFit {
  if (train.length === 0) throw new Error('No training series: label more series.');
  const dim = train.find((b) => b.instances.length)?.instances[0].length ?? 0;
  if (dim === 0) throw new Error('The training series have no slices.');
  const hidden = config.hidden ?? 32;
  const epochs = config.epochs ?? 60;
  const lr = config.learningRate ?? 1e-3;
  const decay = config.weightDecay ?? 1e-3;
  const patience = config.patience ?? 20;
  const rand = seededRandom(config.seed);
  const labels = train.map((b, i) => {
    if (b.label === undefined || !Number.isInteger(b.label) || b.label < 0 || b.label >= classes) throw new Error(`Training series ${i + 1} has no class among the ${classes}.`);
    return b.label;
  });
  const counts = new Array<number>(classes).fill(0);
  for (const l of labels) counts[l]++;
  const classWeights = config.classWeights ?? counts.map((c) => (c === 0 ? 0 : labels.length / (classes * c)));
  const { mean, std } = featureStandardisation(train, dim);
  // Glorot-uniform attention weights; the classifier starts at zero (a first loss of log K).
  const glorot = (n: number, fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * limit);
  };
  let head: MilHead = {
    dim, hidden, classes, mean, std,
    V: glorot(dim * hidden, dim, hidden), bV: new Float32Array(hidden),
    U: glorot(dim * hidden, dim, hidden), bU: new Float32Array(hidden),
    w: glorot(hidden, hidden, 1),
    W: new Float32Array(dim * classes), b: new Float32Array(classes),
  };
  const trainX = train.map((b) => standardised(head, b));
  const valX = validation.map((b) => standardised(head, b));
  const valLabels = validation.map((b) => b.label ?? -1);
  const m = zeroGrads(head);
  const v = zeroGrads(head);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  let step = 0;
  const history: MilEpoch[] = [];
  let best = { loss: Infinity, epoch: 0, head: copyHead(head) };
  let stopped: MilFit['stopped'] = 'epochs';
  const valLossOf = (h: MilHead) => {
    if (valX.length === 0) return NaN;
    let loss = 0;
    const scores: number[][] = [];
    valX.forEach((xs, i) => {
      const p = forward(h, xs).p;
      scores.push(Array.from(p));
      loss += -(classWeights[valLabels[i]] ?? 1) * Math.log(Math.max(p[valLabels[i]] ?? 1, 1e-12));
    });
    return { loss: loss / valX.length, auc: macroAuc(scores, valLabels, classes) };
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    config.check?.();
    const started = Date.now();
    const order = trainX.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let total = 0;
    for (const i of order) {
      if (trainX[i].length === 0) continue;
      const g = zeroGrads(head);
      total += bagGradient(head, trainX[i], labels[i], classWeights[labels[i]], g);
      step++;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      for (const k of PARAMS) {
        const p = head[k];
        const gk = g[k];
        const mk = m[k];
        const vk = v[k];
        const l2 = k === 'bV' || k === 'bU' || k === 'b' ? 0 : decay;
        for (let q = 0; q < p.length; q++) {
          const gq = gk[q] + l2 * p[q];
          mk[q] = beta1 * mk[q] + (1 - beta1) * gq;
          vk[q] = beta2 * vk[q] + (1 - beta2) * gq * gq;
          p[q] -= (lr * (mk[q] / c1)) / (Math.sqrt(vk[q] / c2) + eps);
        }
      }
    }
    const val = valLossOf(head);
    const record: MilEpoch = { epoch: epoch + 1, loss: total / trainX.length, valLoss: typeof val === 'number' ? NaN : val.loss, valMetric: typeof val === 'number' ? NaN : val.auc, learningRate: lr, seconds: (Date.now() - started) / 1000 };
    history.push(record);
    config.onEpoch?.(record);
    const monitored = Number.isFinite(record.valLoss) ? record.valLoss : record.loss;
    if (monitored < best.loss) best = { loss: monitored, epoch: epoch + 1, head: copyHead(head) };
    else if (patience > 0 && epoch + 1 - best.epoch >= patience) {
      stopped = 'early';
      break;
    }
  }
  head = best.head;
  return { head, history, bestEpoch: best.epoch, stopped };
}

/** The classifier on raw features (standardisation folded in): kernel [dim * classes] and bias, for the package's dense layer. */
export function foldedClassifier(h: MilHead): { kernel: Float32Array; bias: Float32Array } {
  const kernel = new Float32Array(h.dim * h.classes);
  const bias = Float64Array.from(h.b);
  for (let d = 0; d < h.dim; d++) {
    for (let c = 0; c < h.classes; c++) {
      const v = h.W[d * h.classes + c] / h.std[d];
      kernel[d * h.classes + c] = v;
      bias[c] -= h.mean[d] * v;
    }
  }
  return { kernel, bias: Float32Array.from(bias) };
}

/**
 * The head with temperature T folded into its classifier (W / T, b / T): the series' logits are
 * the attention-weighted mean of the slices' logits and the attention does not use W or b, so
 * every series score becomes softmax(logits / T), exactly applyTemperature(scores, T)
 * (models/training/calibration.ts), and each slice's score shares the same temperature.
 */
export function withTemperature(h: MilHead, temperature: number): MilHead {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`A temperature must be a positive number (got ${temperature}).`);
  const scale = (a: Float32Array) => Float32Array.from(a, (x) => x / temperature);
  return { ...copyHead(h), W: scale(h.W), b: scale(h.b) };
}
