// `lumen bench stats`: how long the honest intervals take. evaluate() with the cluster
// bootstrap over patients (1,000 resamples: AUC, rates, ROC band) on a test split of a few
// thousand images, against the image-level bootstrap Lumen used before (200 resamples, each
// copying and sorting the scores again), reproduced here as it was.
import { evaluate, rocAuc, seededRandom } from '../models/training/metrics';
import { intOption, median, type BenchSuite } from './suite';
import { parseCommandArgs, printJson } from '../electron/cli/command';

/** The bootstrap of AUC as it was before the cluster bootstrap: images resampled, arrays rebuilt and sorted per resample. */
function imageBootstrapBefore(scores: number[][], labels: number[], reps: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const n = labels.length;
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const pick = Array.from({ length: n }, () => Math.floor(rand() * n));
    out.push(rocAuc(pick.map((i) => scores[i][1]), pick.map((i) => labels[i] === 1)));
  }
  return out;
}

export const suite: BenchSuite = {
  summary: 'Confidence intervals: cluster bootstrap over patients (1,000 resamples, every metric and the ROC band) vs the old 200-resample image bootstrap of the AUC.',
  usage: 'lumen bench stats [--images 4000] [--per-patient 10] [--resamples 1000] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { images: { type: 'string' }, 'per-patient': { type: 'string' }, resamples: { type: 'string' }, json: { type: 'boolean' } });
    const int = (v: string | undefined, d: number, name: string) => intOption(v, d, name, 1);
    const images = int(values.images, 4000, 'images');
    const perPatient = int(values['per-patient'], 10, 'per-patient');
    const reps = int(values.resamples, 1000, 'resamples');
    const rand = seededRandom(1);
    const labels = Array.from({ length: images }, (_, i) => (Math.floor(i / perPatient) % 2));
    const scores = labels.map((l) => {
      const p = Math.min(1, Math.max(0, 0.35 + 0.3 * l + (rand() - 0.5) * 0.8));
      return [1 - p, p];
    });
    const clusters = labels.map((_, i) => `p${Math.floor(i / perPatient)}`);
    const time = (f: () => void) => {
      const runs: number[] = [];
      for (let k = 0; k < 3; k++) {
        const t = performance.now();
        f();
        runs.push(performance.now() - t);
      }
      return median(runs);
    };
    const cluster = time(() => evaluate(scores, labels, ['no', 'yes'], { threshold: 0.5, seed: 1, bootstrap: reps, clusters }));
    const before = time(() => imageBootstrapBefore(scores, labels, 200, 1));
    const result = { images, patients: Math.ceil(images / perPatient), resamples: reps, clusterBootstrapMs: cluster, imageBootstrap200BeforeMs: before };
    if (values.json) printJson(result);
    else {
      process.stdout.write(
        [
          `${images} images of ${result.patients} patients (median of 3 runs):`,
          `  evaluate, cluster bootstrap over patients, ${reps} resamples (AUC, rates, accuracies, ROC band): ${cluster.toFixed(0)} ms`,
          `  before: image bootstrap of the AUC alone, 200 resamples: ${before.toFixed(0)} ms`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
