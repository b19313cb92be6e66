/**
 * A finished training run's results as the Training tab plots them (training.results): the test
 * and validation evaluations and the epoch history a package records in its provenance
 * (electron/training/train.ts, writePackage). A package is a file from anywhere, so every field
 * is checked; a number the run could not compute (NaN) is stored in JSON as null and stays null.
 */
import { z } from 'zod';

const Metric = z.number().nullable();
const MetricCi = z.tuple([Metric, Metric]);

/** One level of a test evaluation (models/training/levels.ts): series or patients, each scored by the mean of its images' probabilities. */
const StoredLevel = z.object({ n: z.number().int().min(0), auc: Metric.optional(), aucCi: MetricCi.optional(), accuracy: Metric.optional(), skippedMixedLabels: z.number().int().min(0).optional() });

/** What the plots and tables read of an Evaluation (models/training/metrics.ts); other fields are dropped. */
export const StoredEvaluation = z.object({
  n: z.number().int().min(0),
  classNames: z.array(z.string().max(256)).min(1).max(1000),
  accuracy: Metric,
  balancedAccuracy: Metric,
  auc: Metric,
  aucCi: MetricCi.optional(),
  perClass: z.array(z.object({ className: z.string().max(256), support: Metric.optional(), sensitivity: Metric, specificity: Metric, ppv: Metric, npv: Metric, auc: Metric, aucCi: MetricCi.optional() })).max(1000),
  confusion: z.array(z.array(z.number().int().min(0))).max(1000),
  ece: Metric,
  reliability: z.array(z.object({ lower: z.number(), upper: z.number(), count: z.number().int().min(0), confidence: Metric, accuracy: Metric })).max(1000),
  threshold: z.number().nullable().optional(),
  roc: z
    .array(
      z.object({
        className: z.string().max(256),
        points: z.array(z.object({ fpr: Metric, tpr: Metric })).max(100_000),
        band: z.array(z.object({ fpr: Metric, lo: Metric, hi: Metric })).max(10_000).optional(),
      }),
    )
    .max(1000),
  /** The test split per series and per patient (packages made before the levels have none). */
  // A level this Lumen cannot read is left out, never the whole evaluation with it.
  perSeries: StoredLevel.optional().catch(undefined),
  perPatient: StoredLevel.optional().catch(undefined),
  /** How the 95% intervals were made ("cluster bootstrap over patients, 1000 resamples, percentile"). */
  ciMethod: z.string().max(300).optional().catch(undefined),
});
export type StoredEvaluation = z.infer<typeof StoredEvaluation>;

/** What the Training tab shows of a package's temperature scaling (models/training/calibration.ts). */
export const StoredCalibration = z.object({
  temperature: z.number().positive(),
  applied: z.boolean(),
  /** Why T = 1 was kept, when it was (the package's metadata.calibration.reason). */
  reason: z.string().max(1000).optional(),
  validation: z.object({ eceBefore: Metric, eceAfter: Metric }),
  test: z.object({ eceBefore: Metric, eceAfter: Metric }).optional(),
});
export type StoredCalibration = z.infer<typeof StoredCalibration>;

export const StoredEpoch = z.object({ epoch: z.number().int().min(0), loss: Metric, valLoss: Metric.optional(), valMetric: Metric });

export const RunResults = z.object({
  name: z.string(),
  packageDir: z.string(),
  contentHash: z.string(),
  classNames: z.array(z.string()),
  test: StoredEvaluation.nullable(),
  validation: StoredEvaluation.nullable(),
  history: z.array(StoredEpoch),
  /** The HTML report written beside the package (<package>.report.html), when it is there. */
  reportPath: z.string().nullable(),
  /** What the package does not hold, in words (a package made outside Lumen or by an older one). */
  missing: z.array(z.string()),
  /** Temperature scaling (metadata.calibration): T and the ECE before and after; null for a package without it. */
  calibration: StoredCalibration.nullable().optional(),
  /** What the top-level evaluations count: images, or series for a package with a series head (lumen train --level series). */
  level: z.enum(['image', 'series']).optional(),
  /** What the package records of its training data, in lines (models/package/domain.ts describeDomain), as the HTML report lists them. */
  domain: z.array(z.string().max(2000)).max(64).optional(),
});
export type RunResults = z.infer<typeof RunResults>;
