// `lumen bench series-uncertainty`: what the series uncertainty heads of a series-head package
// cost (models/training/series-ensemble.ts): trained once per run on the training series'
// cached features (the attention pooling under the trained head, then 5 anchored heads), and
// one series' uncertainty at prediction. Synthetic features of B0's size; no backbone.
import { seededRandom } from '../models/training/metrics';
import { fitMil, predictBag, type Bag } from '../models/training/mil';
import { seriesUncertainty, trainSeriesEnsemble } from '../models/training/series-ensemble';
import { intOption, median, type BenchSuite } from './suite';
import { parseCommandArgs, printJson } from '../electron/cli/command';

export const suite: BenchSuite = {
  summary: "Series uncertainty heads of a series-head package: training time on cached features, and one series' uncertainty.",
  usage: 'lumen bench series-uncertainty [--series 200] [--slices 12] [--features 1280] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { series: { type: 'string' }, slices: { type: 'string' }, features: { type: 'string' }, json: { type: 'boolean' } });
    const n = intOption(values.series, 200, 'series', 2, 100_000);
    const slices = intOption(values.slices, 12, 'slices', 1, 10_000);
    const dim = intOption(values.features, 1280, 'features', 1, 1 << 16);
    const rand = seededRandom(1);
    const bags: Bag[] = Array.from({ length: n }, (_, i) => ({ label: i % 2, instances: Array.from({ length: slices }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1 + (i % 2) * 0.1)) }));
    // A head to pool with (its quality does not change the cost).
    const head = fitMil(bags.slice(0, Math.min(n, 20)), [], 2, { seed: 1, epochs: 1 }).head;
    const runs: number[] = [];
    let ensemble = trainSeriesEnsemble(head, bags, [], { seed: 1 });
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      ensemble = trainSeriesEnsemble(head, bags, [], { seed: 1 + k });
      runs.push(performance.now() - t);
    }
    const one = bags[0];
    const t = performance.now();
    for (let k = 0; k < 20; k++) seriesUncertainty(ensemble.heads, predictBag(head, one).pooled);
    const perSeries = (performance.now() - t) / 20;
    const result = { series: n, slices, features: dim, heads: ensemble.heads.heads.length, trainMs: median(runs), perSeriesMs: perSeries };
    if (values.json) printJson(result);
    else {
      process.stdout.write(
        [
          `${n} training series of ${slices} slices, ${dim} features (median of 3 runs):`,
          `  train ${result.heads} series uncertainty heads (pooling included): ${result.trainMs.toFixed(0)} ms`,
          `  one series' pooled features and uncertainty: ${perSeries.toFixed(2)} ms`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
