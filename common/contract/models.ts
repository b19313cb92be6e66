/**
 * The models part of the contract: the EfficientNet family and the installed
 * model packages, measured latency, the variant recommendation, and predictions
 * (jobs) with their class activation maps. Kept in its own file so each area
 * grows without touching the others.
 */
import { z } from 'zod';
import { Bytes, Empty, FilePath, JobStarted, request, Text, Uid } from './define';

export const VariantInfo = z.object({
  name: z.string(),
  family: z.enum(['efficientnet', 'efficientnetv2']),
  resolution: z.number(),
  /** Parameters of the 1000-class model, counted from the built graph. */
  params: z.number(),
  /** Multiply-adds per image at `resolution`. */
  macs: z.number(),
  embeddingDim: z.number(),
  /** Median latency (ms, batch 1) measured on this machine, or null when never measured. */
  latencyMs: z.number().nullable(),
  latencyRuntime: z.string().nullable(),
  measuredAt: z.string().nullable(),
});
export type VariantInfo = z.infer<typeof VariantInfo>;

const Sha256 = z.string().max(64).regex(/^[0-9a-f]{64}$/, 'a model package content hash is 64 hex digits');

export const PackageInfo = z.object({
  name: z.string(),
  dir: z.string(),
  variant: z.string(),
  inputSize: z.number(),
  classNames: z.array(z.string()),
  task: z.enum(['multiclass', 'multilabel']),
  contentHash: Sha256,
  createdAt: z.string(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** What the package records of its training data, in lines (models/package/domain.ts describeDomain): "Training domain unknown…" without a record. */
  trainingDomain: z.array(z.string().max(1000)).max(16).optional(),
  /** The same record in one line (models/package/domain.ts domainSummary): "CT, 512×512, 120 patients", "… · header check only", or "domain unknown". */
  domainSummary: z.string().max(300).optional(),
  /**
   * Versions (models/package/versions.ts): a training run that reuses a name keeps the earlier
   * package in `<name>.versions/`. `version` counts a folder name's packages oldest first (1, 2, …;
   * the one under the name is the newest); `earlierVersionOf` is set on an earlier one: the folder of the package now under its name.
   */
  version: z.number().int().min(1).optional(),
  earlierVersionOf: z.string().optional(),
});
export type PackageInfo = z.infer<typeof PackageInfo>;

/** A `lumen train --out <data folder>/models/<name>` run that stopped before writing its package: its checkpoint (`<name>.checkpoint`) is kept to resume from. */
export const InterruptedRun = z.object({
  dir: z.string(),
  name: z.string().max(200),
  /** The package folder the run writes when it completes. */
  out: z.string(),
  /** Epochs done (the checkpoint's) and planned (null when run.json does not say). */
  epoch: z.number().int().min(0),
  epochs: z.number().int().positive().nullable(),
  startedAt: z.string().max(40).nullable(),
  /** How to resume it and how to discard it, in words and commands. */
  resume: z.string().max(5000),
  discard: z.string().max(5000),
  /** Whether the process that writes it still runs (its owner record names a live process), and which. */
  running: z.boolean().default(false),
  pid: z.number().int().positive().optional(),
});
export type InterruptedRun = z.infer<typeof InterruptedRun>;

/** What deleting a package (or version, or interrupted run) did, and the id that undoes it while the app runs. */
export const PackageDeleted = z.object({
  undoId: z.string().max(80).regex(/^[0-9A-Za-z-]{1,80}$/),
  /** One sentence: what went, and which version now runs under the name. */
  message: z.string().max(2000),
  removed: z.array(z.string()),
  /** The earlier version that now runs under the name, when the newest was deleted. */
  promoted: z.object({ dir: z.string(), contentHash: Sha256 }).nullable(),
});
export type PackageDeleted = z.infer<typeof PackageDeleted>;

export const ModelCatalog = z.object({
  variants: z.array(VariantInfo),
  packages: z.array(PackageInfo),
  /** Folders under the packages folder that are not usable packages, with the reason. */
  problems: z.array(z.object({ dir: z.string(), message: z.string() })),
  /** Checkpoints of interrupted `lumen train` runs in the packages folder (not packages yet). */
  interrupted: z.array(InterruptedRun).optional(),
  packagesDir: z.string(),
  /** Why no package can be installed in packagesDir now (its disk is read-only), in words; null when one can. */
  packagesReadOnly: z.string().nullable().optional(),
  runtime: z.object({
    /** What Run, lumen predict and the latency measurement run on, in words: "ONNX Runtime (cpu)", "TF.js (wasm)". */
    run: z.string(),
    tfBackend: z.string().nullable(),
    onnxProviders: z.array(z.string()),
  }),
});
export type ModelCatalog = z.infer<typeof ModelCatalog>;

export const Recommendation = z.object({
  variant: z.string(),
  reason: z.string(),
  /** Every variant with whether it fits the budget and why not. */
  candidates: z.array(z.object({ name: z.string(), resolution: z.number(), estimatedMs: z.number().nullable(), fits: z.boolean(), note: z.string() })),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const PredictScope = z.enum(['image', 'series', 'study']);
export type PredictScope = z.infer<typeof PredictScope>;

export const ImageScores = z.object({
  seriesInstanceUid: z.string(),
  sopInstanceUid: z.string(),
  frame: z.number(),
  scores: z.array(z.number()),
  /**
   * How much the package's uncertainty heads disagree on this image: their mutual information
   * over log K, 0 (agree) to 1 (models/training/ensemble.ts). null when the package has no
   * such heads (and for scores stored before uncertainties were), never a made-up number.
   */
  uncertainty: z.number().min(0).max(1).nullable().optional(),
  /**
   * A package trained from series labels (multiple-instance learning): this slice's weight in
   * its series' score, 0 to 1, the weights of a series summing to 1 ("which slices mattered").
   * Absent for an image-level package.
   */
  attention: z.number().min(0).max(1).optional(),
  /**
   * Is this image like the package's training data (models/package/domain.ts)? `outside` when
   * any reason holds: its header against the training split's ("modality MR; trained on CT") or
   * its features' distance above the package's threshold. null when the package records no
   * training domain (and for scores stored before the check existed).
   */
  domain: z
    .object({
      outside: z.boolean(),
      reasons: z.array(z.string().max(400)).max(16),
      distance: z.number().min(0).optional(),
      threshold: z.number().min(0).optional(),
    })
    .nullable()
    .optional(),
});
export type ImageScores = z.infer<typeof ImageScores>;

export const PredictionResult = z.object({
  modelHash: Sha256,
  modelName: z.string(),
  classNames: z.array(z.string()),
  images: z.array(ImageScores),
  /** Per series: mean and max of each class score over its images. */
  series: z.array(
    z.object({
      seriesInstanceUid: z.string(),
      images: z.number(),
      mean: z.array(z.number()),
      max: z.array(z.number()),
      /** A package with a series head: the series' own scores, pooled over its slices by the attention weights. */
      pooled: z
        .object({
          method: z.string(),
          scores: z.array(z.number()),
          /**
           * How much the series head's uncertainty heads disagree on this series (their mutual
           * information over log K, 0 to 1: models/training/series-ensemble.ts). null for a
           * package without them (made before they existed) and for scores stored before they
           * were, never a made-up number.
           */
          uncertainty: z.number().min(0).max(1).nullable().optional(),
          /** Above this the series' uncertainty is high: the 95th percentile of the package's validation series; null without a reference. */
          uncertaintyHigh: z.number().min(0).max(1).nullable().optional(),
        })
        .optional(),
    }),
  ),
  createdAt: z.string(),
  /**
   * The package has a series head (trained from series labels): it scores whole series, and its
   * uncertainty heads judge a series, never one image. A series here without a pooled score had
   * only images scored on their own (the app's "This image"): they get slice scores, no uncertainty.
   */
  seriesHead: z.boolean().optional(),
  /** Above this an image's uncertainty is high: the 95th percentile of the package's validation split; null without uncertainty heads. */
  uncertaintyHigh: z.number().min(0).max(1).nullable().optional(),
  /** 'unknown' when the package records no training domain: its images' `domain` is null, and that is said once. */
  trainingDomain: z.enum(['recorded', 'unknown']).optional(),
  /** false when the scores were not stored in the library (its disk is read-only); absent when they were. */
  stored: z.literal(false).optional(),
  /** Said with scores that were not stored: why, and how long the app keeps them, in words to show. */
  note: z.string().max(1000).optional(),
});
export type PredictionResult = z.infer<typeof PredictionResult>;

export const CamMap = z.object({
  classIndex: z.number().int(),
  /** The map's grid over the whole image (rows x columns of the map, not of the image). */
  rows: z.number().int().positive(),
  columns: z.number().int().positive(),
  /** The bytes of a Float32Array (little-endian), row-major, in logits (unscaled; the viewer normalises). */
  values: Bytes,
  min: z.number(),
  max: z.number(),
  /**
   * The largest value of this class's map over the images predicted together
   * (the series or study run), so that the viewer colours every slice on one
   * scale: a slice without evidence stays clear instead of being stretched.
   */
  reference: z.number(),
});
export type CamMap = z.infer<typeof CamMap>;

export const modelRequests = {
  'models.catalog': request({
    summary: 'B0..B7 and V2 with resolution, parameters, multiply-adds, embedding size and measured latency; installed packages; the runtime.',
    input: Empty,
    output: ModelCatalog,
  }),
  'models.measureLatency': request({
    summary: "Measure one variant's latency (on the runtime Run uses, batch 1, median of 5) on this machine as a job; remembered in the data folder.",
    input: z.object({ variant: Text(32).min(1) }).strict(),
    output: JobStarted,
  }),
  'models.importPackage': request({
    summary: 'Import a model package (.lumenpkg file, verified) into the data folder so that it can be used.',
    input: z.object({ file: FilePath }).strict(),
    /** notes: what the user must know, in sentences (the audit log could not record the install; the package is installed all the same). */
    output: PackageInfo.extend({ notes: z.array(z.string()).default([]) }),
  }),
  'models.packageUse': request({
    summary: "What deleting a package would touch: how many stored predictions in the library name it (they stay readable), and whether a job is using it now.",
    input: z.object({ packageHash: Sha256 }).strict(),
    output: z.object({ predictions: z.number().int().min(0), series: z.number().int().min(0), inUse: z.string().max(500).nullable() }),
  }),
  'models.deletePackage': request({
    summary: "Delete an installed package version (the next newest then runs under its name), or with allVersions a whole package with its versions. Moved aside, undoable with models.undoDelete until the app closes.",
    input: z.object({ packageHash: Sha256, allVersions: z.boolean().default(false) }).strict(),
    output: PackageDeleted,
  }),
  'models.deletedPackages': request({
    summary: "This app session's deletions that models.undoDelete can still put back, newest first, with what each delete said: the Classifier panel offers Undo again after a page reload or an engine restart.",
    input: Empty,
    output: z.object({ deleted: z.array(z.object({ undoId: PackageDeleted.shape.undoId, message: z.string().max(2000), deletedAt: z.string().max(40) })).max(100) }),
  }),
  'models.undoDelete': request({
    summary: 'Put back what a models.deletePackage of this session moved aside.',
    input: z.object({ undoId: z.string().max(80).regex(/^[0-9A-Za-z-]{1,80}$/) }).strict(),
    output: z.object({ message: z.string().max(2000) }),
  }),
  'models.recommend': request({
    summary: "Recommend a variant from the series' matrix size and a time budget per image, with the reason.",
    input: z.object({ rows: z.number().int().positive().max(65_535), columns: z.number().int().positive().max(65_535), budgetMs: z.number().positive().max(600_000) }).strict(),
    output: Recommendation,
  }),
  'predict.run': request({
    summary: 'Run a model package on one image, a series or a study as a job; the result (PredictionResult) is stored in the library, or on a read-only library kept until the engine stops (stored: false, with a note).',
    input: z
      .object({
        packageHash: Sha256,
        scope: PredictScope,
        seriesInstanceUid: Uid,
        sopInstanceUid: Uid.optional(),
        frame: z.number().int().min(0).max(100_000).optional(),
      })
      .strict(),
    output: JobStarted,
  }),
  'predict.latest': request({
    summary: "The latest prediction of a package over a series' images (stored, or on a read-only library this engine's unstored run), or null.",
    input: z.object({ packageHash: Sha256, seriesInstanceUid: Uid }).strict(),
    output: PredictionResult.nullable(),
  }),
  'predict.cam': request({
    summary: 'The class activation map of a package for one image and class.',
    input: z.object({ packageHash: Sha256, seriesInstanceUid: Uid, sopInstanceUid: Uid, frame: z.number().int().min(0).max(100_000), classIndex: z.number().int().min(0).max(999) }).strict(),
    output: CamMap,
  }),
} as const;

export const modelEvents = {
  /** The models folder's packages changed in the app (an import, a delete, its Undo): every list of them is read again. */
  'models.changed': z.object({ reason: z.enum(['import', 'delete', 'undo-delete']) }),
} as const;

/**
 * A variant's name in words a user reads right: "custom-phi-10" is a compound-scaled network
 * far smaller than B0 (phi = -10), not a large one. Released variants keep their names.
 */
export function variantDisplayName(name: string): string {
  const custom = /^custom-phi(-?\d+(?:\.\d+)?)$/.exec(name);
  if (custom) {
    const phi = Number(custom[1]);
    const size = phi <= -6 ? 'tiny' : phi < 0 ? 'small' : phi === 0 ? 'B0-sized' : 'large';
    // No-break spaces: "(φ = −6)" never splits across lines in a narrow panel.
    return `${size} (φ\u00a0=\u00a0${String(phi).replace('-', '−')})`;
  }
  return name.toUpperCase();
}
