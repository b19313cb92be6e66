// Active learning, simulated on phantoms: a pool of unlabelled series of many patients, mostly
// easy negatives with a few obvious lesions and some faint (borderline) ones, and a held-out
// set of other patients. Labels are "revealed" a few series per round, either in the order
// `rankCandidates` (models/training/acquisition.ts: the ranking `lumen suggest` uses)
// suggests, or in random order (several seeds); after each round the head is fitted again
// on the cached backbone features (cheap), and the held-out series AUC is measured. The
// suggested order must reach the target AUC with clearly fewer labels than random order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier } from '../../models';
import { exportOnnx } from '../../models/onnx';
import { initBackend } from '../../models/runtime';
import { normalisedEntropy, rankCandidates } from '../../models/training/acquisition';
import { rocAuc, seededRandom } from '../../models/training/metrics';
import { DEFAULT_NORMALISATION } from '../../electron/dicom/model-input';
import { Library } from '../../electron/library/library';
import { DEFAULT_AUGMENTATION } from '../../electron/training/augment';
import { extractFeatures } from '../../electron/training/features';
import { TrainingStore } from '../../electron/training/store';
import { parseVariant, standaloneModel } from '../../electron/training/train';
import { writeLesionSeries, type WrittenSeries } from './suggest-phantoms';

/** One series as the simulation sees it: its label and its images' cached backbone features. */
interface SimSeries {
  uid: string;
  positive: boolean;
  contrast: number;
  images: Float32Array[];
  mean: Float32Array;
}

let root: string;
let pool: SimSeries[];
let heldOut: SimSeries[];

// Every series' soft tissue is shifted by up to 30 HU (scanners and patients differ): a single
// labelled lesion cannot tell the head that direction from the lesion's, so the head needs
// several positives, which are rare in the pool (12 faint lesions among 112 series). Held out:
// 25 negatives and 25 faint lesions of other patients. With these figures (data seed 81/82) the
// head on all 112 pool labels reaches a held-out AUC of 0.97; from 4 labels about 0.55.
const SHIFT = 30;
const FAINT: [number, number] = [40, 80];
const spec = (negatives: number, lesions: number, r: () => number) => [
  ...Array.from({ length: negatives }, () => ({ contrast: 0 })),
  ...Array.from({ length: lesions }, () => ({ contrast: FAINT[0] + r() * (FAINT[1] - FAINT[0]) })),
];

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-suggest-sim-'));
  const r = seededRandom(11);
  const written: { set: 'pool' | 'held'; s: WrittenSeries }[] = [
    ...writeLesionSeries(path.join(root, 'pool'), spec(100, 12, r), { uidRoot: 81, prefix: 'POOL', shift: SHIFT }).map((s) => ({ set: 'pool' as const, s })),
    ...writeLesionSeries(path.join(root, 'held'), spec(25, 25, r), { uidRoot: 82, prefix: 'HELD', shift: SHIFT }).map((s) => ({ set: 'held' as const, s })),
  ];
  const library = Library.open(path.join(root, 'library'));
  try {
    const report = await library.importPaths([path.join(root, 'pool'), path.join(root, 'held')]);
    expect(report.errors).toEqual([]);
    const store = new TrainingStore(library);
    const images = store.images();
    store.close();
    // A randomly initialised tiny backbone (its features separate lesion from no lesion,
    // test/training/training.test.ts), exported as the ONNX graph features are computed with.
    const variant = parseVariant('custom-phi-10');
    const classifier = createClassifier({ variant, classes: 2, inputSize: 32, seed: 3 });
    const plain = standaloneModel(classifier, variant, 32);
    const onnx = exportOnnx(plain).bytes;
    plain.dispose();
    classifier.dispose();
    const preprocessing = { window: 'ct-abdomen', ...DEFAULT_NORMALISATION, resize: 'area' as const };
    const f = await extractFeatures(onnx, { weightsHash: 'suggest-sim', preprocessing, inputSize: 32, copies: 1, augmentation: DEFAULT_AUGMENTATION, seed: 0 }, images, path.join(root, 'cache'));
    const bySeries = new Map<string, Float32Array[]>();
    images.forEach((im, i) => bySeries.set(im.seriesInstanceUid, [...(bySeries.get(im.seriesInstanceUid) ?? []), f.features[0][i]]));
    const toSim = (s: WrittenSeries): SimSeries => {
      const ims = bySeries.get(s.seriesUid)!;
      return { uid: s.seriesUid, positive: s.label === 'lesion', contrast: s.contrast, images: ims, mean: meanOf(ims) };
    };
    pool = written.filter((w) => w.set === 'pool').map((w) => toSim(w.s));
    heldOut = written.filter((w) => w.set === 'held').map((w) => toSim(w.s));
  } finally {
    library.close();
  }
}, 180_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function meanOf(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0].length);
  for (const r of rows) for (let d = 0; d < out.length; d++) out[d] += r[d] / rows.length;
  return out;
}

/**
 * The head: a logistic regression (the binary dense softmax layer of a package) on features
 * standardised over the labelled images, class-balanced, L2-regularised, fitted by gradient
 * descent. Returns P(lesion) of an image's features.
 */
function fitHead(series: readonly SimSeries[]): (x: Float32Array) => number {
  const rows = series.flatMap((s) => s.images);
  const ys = series.flatMap((s) => s.images.map(() => (s.positive ? 1 : 0)));
  const n = rows.length;
  const dim = rows[0].length;
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (const x of rows) for (let d = 0; d < dim; d++) mean[d] += x[d] / n;
  for (const x of rows) for (let d = 0; d < dim; d++) sd[d] += (x[d] - mean[d]) ** 2 / n;
  for (let d = 0; d < dim; d++) sd[d] = Math.max(Math.sqrt(sd[d]), 1e-6);
  const z = new Float64Array(n * dim);
  rows.forEach((x, i) => {
    for (let d = 0; d < dim; d++) z[i * dim + d] = (x[d] - mean[d]) / sd[d];
  });
  const pos = ys.filter((y) => y === 1).length;
  const weights = ys.map((y) => n / (2 * (y === 1 ? pos : n - pos)) / n);
  const w = new Float64Array(dim);
  const gw = new Float64Array(dim);
  let b = 0;
  const lr = 0.05;
  const l2 = 0.01;
  for (let it = 0; it < 300; it++) {
    gw.fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const at = i * dim;
      let s = b;
      for (let d = 0; d < dim; d++) s += w[d] * z[at + d];
      const err = (1 / (1 + Math.exp(-s)) - ys[i]) * weights[i];
      for (let d = 0; d < dim; d++) gw[d] += err * z[at + d];
      gb += err;
    }
    for (let d = 0; d < dim; d++) w[d] -= lr * (gw[d] + l2 * w[d]);
    b -= lr * gb;
  }
  return (x) => {
    let s = b;
    for (let d = 0; d < dim; d++) s += (w[d] * (x[d] - mean[d])) / sd[d];
    return 1 / (1 + Math.exp(-s));
  };
}

/** A series' probabilities: the mean of its images' (as the prediction store's series mean). */
const seriesProbability = (head: (x: Float32Array) => number, s: SimSeries) => s.images.reduce((a, x) => a + head(x), 0) / s.images.length;

function heldOutAuc(head: (x: Float32Array) => number): number {
  return rocAuc(heldOut.map((s) => seriesProbability(head, s)), heldOut.map((s) => s.positive));
}

type Chooser = (labelled: SimSeries[], unlabelled: SimSeries[], head: (x: Float32Array) => number, k: number) => SimSeries[];

const ROUND = 4;
const TARGET_AUC = 0.85;
const CAP = 64;

/**
 * Labels `ROUND` series per round in the chooser's order, fitting the head after each round,
 * until the held-out AUC reaches the target. Returns the number of labelled series then (one
 * round past `CAP` when it has not by then: random order is stopped there, which only lowers
 * its mean and so makes the comparison harder for the suggested order) and the AUC after each round.
 */
function simulate(choose: Chooser, start: SimSeries[]): { labels: number; curve: number[] } {
  const labelled = [...start];
  let unlabelled = pool.filter((s) => !labelled.includes(s));
  const curve: number[] = [];
  for (;;) {
    const head = fitHead(labelled);
    const auc = heldOutAuc(head);
    curve.push(auc);
    if (auc >= TARGET_AUC) return { labels: labelled.length, curve };
    if (labelled.length >= CAP || unlabelled.length === 0) return { labels: labelled.length + ROUND, curve };
    const picks = choose(labelled, unlabelled, head, Math.min(ROUND, unlabelled.length));
    expect(new Set(picks).size).toBe(picks.length);
    labelled.push(...picks);
    unlabelled = unlabelled.filter((s) => !picks.includes(s));
  }
}

const suggested: Chooser = (labelled, unlabelled, head, k) => {
  const ranked = rankCandidates(
    unlabelled.map((s) => {
      const p = seriesProbability(head, s);
      return { probabilities: [1 - p, p], features: s.mean };
    }),
    { n: k, labelled: labelled.map((s) => s.mean) },
  );
  return ranked.map((r) => unlabelled[r.index]);
};

const randomOrder = (seed: number): Chooser => {
  const rand = seededRandom(seed);
  return (_labelled, unlabelled, _head, k) => {
    const rest = [...unlabelled];
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [rest[i], rest[j]] = [rest[j], rest[i]];
    }
    return rest.slice(0, k);
  };
};

/** What a user starts from: one lesion and three negatives labelled by hand; the `i`th of several such sets. */
function startingLabels(i: number): SimSeries[] {
  const lesions = pool.filter((s) => s.positive);
  const negatives = pool.filter((s) => !s.positive);
  return [lesions[i % lesions.length], ...negatives.slice(3 * i, 3 * i + 3)];
}

const STARTS = [0, 1, 2, 3, 4];
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('active learning on phantoms', () => {
  it('the phantoms are learnable: the head on every pool label separates held-out lesions', () => {
    const auc = heldOutAuc(fitHead(pool));
    console.log(`head on all ${pool.length} pool series (${pool.filter((s) => s.positive).length} lesions): held-out AUC ${auc.toFixed(3)}`);
    expect(auc).toBeGreaterThanOrEqual(TARGET_AUC);
  });

  it('labelling in the suggested order reaches the target AUC with fewer labels than random order', () => {
    // From each of five starting sets: the suggested order once, random order with four seeds.
    const ours = STARTS.map((i) => simulate(suggested, startingLabels(i)));
    const random = STARTS.map((i) => [1, 2, 3, 4].map((seed) => simulate(randomOrder(100 * i + seed), startingLabels(i)).labels));
    const oursMean = mean(ours.map((r) => r.labels));
    const randomMean = mean(random.flat());
    console.log(`labels to reach a held-out AUC of ${TARGET_AUC} (pool of ${pool.length}; ${ROUND} per round; random order stopped at ${CAP}): suggested order ${ours.map((r) => r.labels).join(', ')} (mean ${oursMean.toFixed(1)}); random order ${random.map((r) => r.join('/')).join(', ')} (mean ${randomMean.toFixed(1)})`);
    console.log(`held-out AUC by round, suggested order from the first start: ${ours[0].curve.map((a) => a.toFixed(2)).join(' ')}`);
    // For the record (not asserted): the same ranking without the diversity factor.
    const uncertaintyOnly: Chooser = (_labelled, unlabelled, head, k) =>
      rankCandidates(unlabelled.map((s) => ({ probabilities: [1 - seriesProbability(head, s), seriesProbability(head, s)], features: null })), { n: k }).map((r) => unlabelled[r.index]);
    console.log(`uncertainty alone: ${STARTS.map((i) => simulate(uncertaintyOnly, startingLabels(i)).labels).join(', ')} labels`);
    for (const r of ours) expect(r.labels).toBeLessThanOrEqual(CAP);
    // With a margin: a suggester that returned random order would need about randomMean.
    expect(oursMean).toBeLessThanOrEqual(0.6 * randomMean);
    // The bar is one random order does not clear: random order with other seeds, taken as the "suggester".
    const randomAsSuggester = mean(STARTS.map((i) => simulate(randomOrder(7919 + i), startingLabels(i)).labels));
    console.log(`random order taken as the suggester: mean ${randomAsSuggester.toFixed(1)} labels`);
    expect(randomAsSuggester).toBeGreaterThan(0.6 * randomMean);
  }, 240_000);

  it('diversity: a near copy of a labelled or already suggested series drops down the list', () => {
    const f = (...v: number[]) => Float32Array.from(v);
    const candidates = [
      { probabilities: [0.5, 0.5], features: f(0, 0, 0) }, // most uncertain
      { probabilities: [0.52, 0.48], features: f(0.01, 0, 0) }, // a near copy of it, about as uncertain
      { probabilities: [0.3, 0.7], features: f(5, 5, 0) }, // less uncertain, elsewhere
      { probabilities: [0.45, 0.55], features: f(0, 9, 9.01) }, // uncertain, a near copy of a labelled series
    ];
    const ranked = rankCandidates(candidates, { labelled: [f(0, 9, 9)] });
    // The near copies come last, though both are more uncertain than the series elsewhere.
    expect(ranked.map((r) => r.index).slice(0, 2)).toEqual([0, 2]);
    expect(ranked.map((r) => r.index).slice(2).sort()).toEqual([1, 3]);
    expect(ranked[0].uncertainty).toBeCloseTo(1, 12);
    expect(ranked[1].distance!).toBeGreaterThan(0.5);
    for (const r of ranked.slice(2)) expect(r.distance!).toBeLessThan(0.1 * ranked[1].distance!);
    // Without features: uncertainty alone, distance null.
    const plain = rankCandidates(candidates.map((c) => ({ ...c, features: null })));
    expect(plain.map((r) => r.index)).toEqual([0, 1, 3, 2]);
    expect(plain.every((r) => r.distance === null)).toBe(true);
  });

  it('uncertainty is the normalised entropy: 1 for an even split, 0 for a sure one', () => {
    expect(normalisedEntropy([0.5, 0.5])).toBeCloseTo(1, 12);
    expect(normalisedEntropy([1, 0])).toBe(0);
    expect(normalisedEntropy([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(1, 12);
    expect(normalisedEntropy([0.9, 0.1])).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) / Math.log(2), 12);
  });
});
