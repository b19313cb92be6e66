/**
 * The training part of the contract (see common/contract.ts for how requests
 * are declared): labels, datasets, training jobs, evaluation, prediction, heatmaps,
 * package export/import. Long work runs as jobs (job.progress / job.finished / job.failed);
 * a training job's progress detail carries { phase, epoch, epochs, step, steps, loss, record }.
 */
import { z } from 'zod';
import { FilePath, JobStarted, request, safeText, Text, Uid } from './define';
import { RunResults } from './run-results';

export const TargetKind = z.enum(['image', 'series', 'study']);
/** frame: one frame of a multi-frame image (1-based, as DICOM's Referenced Frame Number); without it the whole image, series or study. */
export const LabelTarget = z
  .object({ kind: TargetKind, uid: Uid, frame: z.number().int().min(1).max(2 ** 31 - 1).optional() })
  .strict()
  .refine((t) => t.frame === undefined || t.kind === 'image', { message: 'Only an image has frames: a series or study label takes no frame.', path: ['frame'] });
export const LabelName = safeText(z.string().trim().min(1).max(64));

export const LabelRecord = z.object({
  id: z.number(),
  targetKind: TargetKind,
  targetUid: z.string(),
  /** The frame a label of one frame of a multi-frame image is on (1-based); null: the whole image, series or study. */
  frame: z.number().nullable(),
  label: z.string(),
  author: z.string().nullable(),
  createdAt: z.string(),
});
export type LabelRecord = z.infer<typeof LabelRecord>;

export const LabelImportReport = z.object({
  rows: z.number(),
  labelled: z.object({ image: z.number(), series: z.number(), study: z.number() }),
  problems: z.array(z.object({ line: z.number(), reason: z.string() })),
  /** Rows used, but not quite as written (a class in other case, read as the class it names). */
  notes: z.array(z.object({ line: z.number(), reason: z.string() })),
  classes: z.record(z.string(), z.number()),
});

/** An import of CSV text (the app reads a chosen or dropped file): larger files go by path or through `lumen train --labels`. */
export const LABEL_CSV_TEXT_MAX = 8 * 1024 * 1024;
/** A label change that can be undone (training.labels.undo), when it changed anything. */
const UndoId = z.string().uuid().optional();

export const LabelOverview = z.object({
  classes: z.array(z.object({ className: z.string(), series: z.number(), images: z.number(), patients: z.number() })),
  /** Patients by the name the app shows and their pseudonym: never a PatientID. */
  patients: z.array(z.object({ pseudonym: z.string(), name: z.string().nullable(), classes: z.record(z.string(), z.number()), labelledSeries: z.number(), unlabelledSeries: z.number(), unlabelledImages: z.number() })),
  totals: z.object({ patients: z.number(), series: z.number(), images: z.number(), unlabelledSeries: z.number(), unlabelledImages: z.number() }),
  warnings: z.array(z.string()),
});
export type LabelOverview = z.infer<typeof LabelOverview>;

const Balance = z.record(z.string(), z.record(z.string(), z.object({ images: z.number(), patients: z.number() })));

export const DatasetPreview = z.object({
  classNames: z.array(z.string()),
  patients: z.number(),
  images: z.number(),
  balance: Balance,
  warnings: z.array(z.string()),
  /** Labelled localizer series (Image Type LOCALIZER) left out of the dataset; a warning says so too. */
  localizerSeries: z.number().default(0),
});

/** Epochs a run trains when the request names none, by mode (the form shows them). */
export const DEFAULT_EPOCHS = { head: 60, scratch: 20, finetune: 20 } as const;

/**
 * Compound-scaled backbones (custom-phi<N>, far smaller than B0) offered for training beside
 * the released variants, which the engine lists in models.catalog.
 */
export const CUSTOM_VARIANT_CHOICES = ['custom-phi-2', 'custom-phi-4', 'custom-phi-6', 'custom-phi-8', 'custom-phi-10'] as const;

/** A training report is the HTML file a run writes beside its package, and nothing else. */
export const REPORT_SUFFIX = '.report.html';

export const TrainRequest = z
  .object({
    /** b0..b7, v2-s/m/l or custom-phi<N>. */
    variant: Text(32).min(1),
    /** Package name; the package goes to <dataDir>/models/<name> unless `out` is given. */
    // Also the run's folder name under <dataDir>/training-runs: "." and ".." would be that folder or the data folder.
    // Nor a name ending as Lumen's own folders beside a package do (models/package/versions.ts, package.ts, train.ts).
    name: z
      .string()
      .trim()
      .min(1)
      .max(80)
      .regex(/^(?!\.+$)[\w.-]+$/, 'letters, digits, dot, dash and underscore, and not only dots')
      .regex(/^(?!.*\.(?:versions|checkpoint)$)(?!.*\.(?:partial|old)-\d+-[0-9a-f]{8}$)/, "a name that ends like one of Lumen's own folders beside a package (.versions, .checkpoint, .partial-…, .old-…): choose another"),
    out: FilePath.optional(),
    mode: z.enum(['head', 'scratch', 'finetune']).default('head'),
    /** 'series': learn from series labels alone (multiple-instance learning; head mode only). */
    level: z.enum(['image', 'series']).default('image'),
    resolution: z.number().int().min(32).max(1024).optional(),
    window: Text(64).optional(),
    augment: z.boolean().default(true),
    /** Progressive resizing when a V2 backbone trains (default on for V2; refused for V1). */
    progressive: z.boolean().optional(),
    epochs: z.number().int().min(1).max(1000).optional(),
    seed: z.number().int().min(0).max(2 ** 31).default(1),
    backbonePackage: FilePath.optional(),
    intendedUse: safeText(z.string().max(4000), { lines: true }).optional(),
    /** Write under a name whose package exists: the earlier package is kept as a version (models/package/versions.ts), never deleted. */
    overwrite: z.boolean().default(false),
  })
  .strict();
export type TrainRequest = z.infer<typeof TrainRequest>;

const Ci = z.tuple([z.number(), z.number()]);
const Evaluation = z.object({
  n: z.number(),
  classNames: z.array(z.string()),
  /** How the intervals were made (e.g. 'cluster bootstrap over patients, 1000 resamples, percentile'); absent in older results. */
  ciMethod: z.string().optional(),
  ciUnits: z.number().optional(),
  accuracy: z.number(),
  accuracyCi: Ci.optional(),
  balancedAccuracy: z.number(),
  balancedAccuracyCi: Ci.optional(),
  auc: z.number(),
  aucCi: Ci,
  perClass: z.array(z.object({
    className: z.string(), support: z.number(), sensitivity: z.number(), specificity: z.number(), ppv: z.number(), npv: z.number(), auc: z.number(), aucCi: Ci,
    sensitivityCi: Ci.optional(), specificityCi: Ci.optional(), ppvCi: Ci.optional(), npvCi: Ci.optional(),
  })),
  confusion: z.array(z.array(z.number())),
  ece: z.number(),
  reliability: z.array(z.object({ lower: z.number(), upper: z.number(), count: z.number(), confidence: z.number(), accuracy: z.number() })),
  threshold: z.number().optional(),
  /** band: the ROC's 95% band, the true positive rate's interval at false positive rates 0, 0.02, ..., 1. */
  roc: z.array(z.object({ className: z.string(), points: z.array(z.object({ fpr: z.number(), tpr: z.number() })), band: z.array(z.object({ fpr: z.number(), lo: z.number(), hi: z.number() })).optional() })),
});
export type EvaluationResult = z.infer<typeof Evaluation>;

export const UnfinishedRun = z.object({ checkpointDir: z.string(), name: z.string(), epoch: z.number(), epochs: z.number().nullable(), startedAt: z.string() });

export const CamResult = z.object({
  classIndex: z.number(),
  className: z.string(),
  scores: z.array(z.number()),
  size: z.number(),
  data: z.array(z.number()),
  min: z.number(),
  max: z.number(),
  imageRegion: z.object({ x0: z.number(), y0: z.number(), width: z.number(), height: z.number() }),
});

/** One series `training.suggest` (and `lumen suggest --json`) proposes to label next (electron/training/suggest.ts). */
export const Suggestion = z.object({
  rank: z.number(),
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string(),
  seriesDescription: z.string().nullable(),
  modality: z.string().nullable(),
  /** Images of the series scored (at most the images-per-series bound). */
  images: z.number(),
  /** uncertainty x min(1, distance): what the ranking sorts by, in [0, 1]. */
  score: z.number(),
  /**
   * In [0, 1], as `uncertaintyMeasure` and `uncertaintyOf` of the result say: the mean over the
   * series' images of the uncertainty heads' mutual information / log(classes) (a series-head
   * package: its series uncertainty heads' on the series, `pooled.uncertainty` of a prediction),
   * or the normalised entropy of the series' mean class probabilities, or of a series head's
   * score of the series (1: the model cannot tell).
   */
  uncertainty: z.number(),
  /** Distance of its features to the nearest labelled or higher-ranked series, over the median distance between two series; null without features. */
  distance: z.number().nullable(),
  /** The series' mean probability per class (a series-head package: the head's pooled score of the series). */
  meanScores: z.record(z.string(), z.number()),
  /** Why it is suggested, in words. */
  reason: z.string(),
});
export type Suggestion = z.infer<typeof Suggestion>;

/** What a finished `training.suggest` job gives. */
export const SuggestResult = z.object({
  model: z.object({ name: z.string(), contentHash: z.string() }),
  classNames: z.array(z.string()),
  /** Series with images and no label of their own, of their images or of their study: the candidates. */
  unlabelledSeries: z.number(),
  labelledSeries: z.number(),
  imagesScored: z.number(),
  /** Whether distances (diversity) entered the ranking; when not, `note` says why (it also says when a read-only library could not record the suggestions in its audit log). */
  diversity: z.boolean(),
  note: z.string().optional(),
  method: z.string(),
  /**
   * What `uncertainty` is: 'mutual-information' for a package with uncertainty heads
   * (ensemble.bin, or a series head's series-ensemble.bin: how much they disagree, what the
   * Classifier panel shows), else 'entropy'.
   */
  uncertaintyMeasure: z.enum(['mutual-information', 'entropy']),
  /** Whose uncertainty: the mean over the series' images ('images'), or the series' own from the package's series head ('series'). */
  uncertaintyOf: z.enum(['images', 'series']).optional(),
  /** With 'entropy': why the package's uncertainty is not its uncertainty heads' (it has none, or a series-head package from before series uncertainty heads), in words. */
  uncertaintyReason: z.string().optional(),
  suggestions: z.array(Suggestion),
});
export type SuggestResult = z.infer<typeof SuggestResult>;

export const trainingRequests = {
  'training.labels.set': request({
    summary: 'Label images, frames of multi-frame images, series or studies (replacing their previous label); who and when are recorded.',
    input: z.object({ targets: z.array(LabelTarget).min(1).max(10_000), label: LabelName }).strict(),
    output: z.object({ count: z.number(), undoId: UndoId }),
  }),
  'training.labels.clear': request({
    summary: 'Remove the labels of these images, frames, series or studies.',
    input: z.object({ targets: z.array(LabelTarget).min(1).max(10_000) }).strict(),
    output: z.object({ count: z.number(), undoId: UndoId }),
  }),
  'training.labels.undo': request({
    summary: 'Undo a label change (set, clear or import): its targets get back the labels they had, in one transaction.',
    input: z.object({ undoId: z.string().uuid() }).strict(),
    output: z.object({ count: z.number(), what: z.string() }),
  }),
  'training.labels.importCsvText': request({
    summary: 'Import labels from the text of a CSV the user chose or dropped (same format as training.labels.importCsv); can be undone.',
    input: z.object({ text: safeText(z.string().max(LABEL_CSV_TEXT_MAX), { lines: true }) }).strict(),
    output: LabelImportReport.extend({ undoId: UndoId }),
  }),
  'training.labels.exportCsv': request({
    summary: 'Every label as CSV that training.labels.importCsv reads back (StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, frame, label).',
    input: z.object({}).strict(),
    output: z.object({ csv: z.string(), rows: z.number() }),
  }),
  'training.labels.overview': request({
    summary: 'Labels per class and per patient, what is still unlabelled, and warnings for classes too small to split by patient.',
    input: z.object({}).strict(),
    output: LabelOverview,
  }),
  'training.labels.nextUnlabelled': request({
    summary: 'The next series without a label after the given one, in the study list order (going round); null when all are labelled.',
    input: z.object({ after: Uid.optional() }).strict(),
    output: z.object({ seriesInstanceUid: Uid, studyInstanceUid: Uid, unlabelledSeries: z.number() }).nullable(),
  }),
  'training.labels.list': request({
    summary: 'Labels in the library, optionally only those of some targets.',
    input: z.object({ targetUids: z.array(Uid).max(10_000).optional() }).strict(),
    output: z.array(LabelRecord),
  }),
  'training.labels.importCsv': request({
    summary: 'Import labels from a CSV (header: PatientID/StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID, an optional frame, and label).',
    input: z.object({ path: FilePath }).strict(),
    output: LabelImportReport.extend({ undoId: UndoId }),
  }),
  'training.labels.importFolders': request({
    summary: 'Import a folder-per-class tree into the library and label each image with its folder name (a job).',
    input: z.object({ path: FilePath }).strict(),
    output: JobStarted,
  }),
  'training.dataset.preview': request({
    summary: 'Class balance of a patient-level train/validation/test split of the labelled images, with warnings.',
    input: z.object({ seed: z.number().int().min(0).max(2 ** 31).default(1), validation: z.number().gt(0).lt(1).optional(), test: z.number().gt(0).lt(1).optional() }).strict(),
    output: DatasetPreview,
  }),
  'training.start': request({
    summary: 'Train a classifier on the labelled images (a job; resumes from a checkpoint of the same run).',
    input: TrainRequest,
    output: JobStarted,
  }),
  'training.report': request({
    summary: "A finished run's HTML report (<package>.report.html), to show in the app.",
    input: z.object({ path: FilePath.refine((p) => p.endsWith(REPORT_SUFFIX), `a training report's name ends in ${REPORT_SUFFIX}`) }).strict(),
    output: z.object({ html: z.string() }),
  }),
  'training.results': request({
    summary: "A model package's test and validation evaluation and epoch history (from its provenance) and its report, for the Training tab's plots.",
    input: z.object({ packageDir: FilePath }).strict(),
    output: RunResults,
  }),
  'training.runs': request({
    summary: 'Training runs that stopped before finishing (their checkpoints), to resume.',
    input: z.object({}).strict(),
    output: z.array(UnfinishedRun),
  }),
  'training.resume': request({
    summary: 'Resume a stopped training run from its last checkpoint (a job).',
    input: z.object({ checkpointDir: FilePath }).strict(),
    output: JobStarted,
  }),
  'training.evaluate': request({
    summary: 'Evaluate a model package on labelled images of patients it did not train on (a job).',
    input: z.object({ packageDir: FilePath, subset: z.enum(['held-out', 'test', 'all']).default('held-out') }).strict(),
    output: JobStarted,
  }),
  'training.predict': request({
    summary: 'Score a series (or the whole library) with a model package and store the predictions (a job).',
    input: z.object({ packageDir: FilePath, seriesUid: Uid.optional() }).strict(),
    output: JobStarted,
  }),
  'training.suggest': request({
    summary: 'Unlabelled series ranked by how much labelling them should help a model package (uncertainty with diversity; a job whose result lists them).',
    input: z.object({ packageDir: FilePath, n: z.number().int().min(1).max(500).default(20) }).strict(),
    output: JobStarted,
  }),
  'training.cam': request({
    summary: 'Class activation map of one image for the heatmap overlay.',
    input: z.object({ packageDir: FilePath, sopInstanceUid: Uid, frame: z.number().int().min(0).max(100_000).default(0), classIndex: z.number().int().min(0).max(999).optional() }).strict(),
    output: CamResult,
  }),
  'training.packages': request({
    summary: 'Model packages in the data folder (<dataDir>/models).',
    input: z.object({}).strict(),
    output: z.array(z.object({ dir: z.string(), name: z.string(), classNames: z.array(z.string()), contentHash: z.string(), metrics: z.record(z.string(), z.number()).optional(), version: z.number().int().min(1).optional(), earlierVersionOf: z.string().optional() })),
  }),
  'training.exportPackage': request({
    summary: 'Write a model package as one .lumenpkg file.',
    input: z.object({ packageDir: FilePath, file: FilePath }).strict(),
    /** notes: what the user must know, in sentences (a library on a read-only disk could not record the export in its audit log). */
    output: z.object({ file: z.string(), contentHash: z.string(), notes: z.array(z.string()) }),
  }),
  'training.importPackage': request({
    summary: 'Import a .lumenpkg file into <dataDir>/models.',
    input: z.object({ file: FilePath }).strict(),
    /** dir: the folder it went into (name-2, name-3… where the name was taken); notes as models.importPackage's. */
    output: z.object({ dir: z.string(), contentHash: z.string(), notes: z.array(z.string()).default([]) }),
  }),
} as const;

export const trainingEvents = {} as const;
export { Evaluation as EvaluationSchema };
