// metadata.json of a model package: what the model is, how to feed it, where it came from.
import { z } from 'zod';
import { safeText } from '../../common/contract/define';
import { CalibrationSchema, ENSEMBLE_BIN, EnsembleSchema } from './uncertainty';
import { SERIES_HEAD_BIN, SeriesHeadSchema } from './series-head';
import { DOMAIN_BIN, DomainSchema } from './domain';

/**
 * The newest package format, what a package with any part of FORMAT_2_PARTS is written as;
 * a package without them is still written as format 1, so that a Lumen that reads only format 1
 * opens it. This Lumen reads every version from 1 to this one (PACKAGE_FORMAT_VERSIONS).
 */
export const PACKAGE_FORMAT_VERSION = 2;
/** Every package format version this Lumen reads. */
export const PACKAGE_FORMAT_VERSIONS: readonly number[] = Array.from({ length: PACKAGE_FORMAT_VERSION }, (_, i) => i + 1);

/**
 * What format 1 did not have: metadata.json fields and their files. A Lumen that reads only
 * format 1 drops metadata fields it does not know before it checks the content hash, so it
 * would call such a package corrupt ("content hash mismatch"); stamped 2, it says the package
 * was made by a newer Lumen instead.
 */
export const FORMAT_2_PARTS = { fields: ['calibration', 'ensemble', 'seriesHead', 'domain'], files: [ENSEMBLE_BIN, SERIES_HEAD_BIN, DOMAIN_BIN] } as const;
/** FORMAT_2_PARTS' fields in a user's words, for `lumen doctor` and About ("writes 2 for a package with …"). */
export const FORMAT_2_PART_WORDS: readonly string[] = FORMAT_2_PARTS.fields.map((f) => ({ calibration: 'calibration', ensemble: 'uncertainty heads', seriesHead: 'a series head', domain: 'a training-domain record' })[f]);

/** The parts of FORMAT_2_PARTS a package has, by metadata field and by file name, in words ("ensemble.bin", "the calibration field"). */
export function format2Parts(metadata: object, files: readonly string[]): string[] {
  const m = metadata as Record<string, unknown>;
  return [
    ...FORMAT_2_PARTS.files.filter((f) => files.includes(f)),
    ...FORMAT_2_PARTS.fields.filter((f) => m[f] !== undefined).map((f) => `the "${f}" field of metadata.json`),
  ];
}

/** The format version a package with this metadata and these files (besides metadata.json) is written as: the oldest that has all its parts. */
export function formatVersionFor(metadata: object, files: readonly string[]): 1 | 2 {
  return format2Parts(metadata, files).length > 0 ? 2 : 1;
}

const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const PreprocessingSchema = z.object({
  /** VOI window applied to DICOM pixels first: explicit centre/width or a preset name (e.g. "lung"). */
  window: z.union([z.object({ center: z.number(), width: z.number().positive() }), z.string().min(1)]).optional(),
  /** Then x' = (x * scale - mean[c]) / std[c] per RGB channel. */
  scale: z.number().positive(),
  mean: rgb,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  /**
   * How a larger image is scaled down to the input size: 'area' (box filter, antialiased) or
   * 'bilinear' (2x2 samples). Absent means 'bilinear', what packages made before the field
   * existed were trained with; Lumen's training writes 'area'.
   */
  resize: z.enum(['bilinear', 'area']).optional(),
});

/**
 * Text a package shows (name, variant, class names): the file may come from anyone, and the CLI
 * prints it, reports and DICOM SR carry it; control characters and bidirectional overrides are refused.
 */
const shownText = (max: number) => safeText(z.string().min(1).max(max));

export const MetadataSchema = z.object({
  /** 1, or 2 when the package has a part of FORMAT_2_PARTS (savePackage chooses: formatVersionFor). */
  formatVersion: z.union([z.literal(1), z.literal(2)]),
  name: shownText(200),
  /** An EfficientNet variant name (b0..b7, v2-s/m/l) or custom-… */
  variant: shownText(64),
  /** Square input size in pixels; at most what training takes (a 40000 px input would need 19 GB per image). */
  inputSize: z.number().int().min(32).max(1024),
  /**
   * Layout of model.onnx's input "input": NCHW [batch, 3, H, W]. The TF.js model
   * (model.json) is always NHWC [batch, H, W, 3]. Both take the normalised image.
   */
  layout: z.literal('NCHW'),
  preprocessing: PreprocessingSchema,
  classNames: z.array(shownText(200)).min(1).max(10_000),
  task: z.enum(['multiclass', 'multilabel']),
  provenance: z.object({
    createdAt: z.string().min(1),
    softwareVersion: z.string().min(1),
    sourceWeights: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
    /**
     * How Lumen trained it (electron/training/train.ts). A package is made to be shared, so
     * its split (`split.patients`) and test predictions name patients and images by the
     * training library's pseudonyms (`split.pseudonymKey` names that library's key), never by
     * PatientID or UID; packages made before pseudonyms key `split.patients` by PatientID.
     */
    training: z.record(z.string(), z.unknown()).optional(),
  }),
  metrics: z.record(z.string(), z.number()).optional(),
  modelCard: z.string().optional(),
  /** Temperature scaling fitted on the validation split (uncertainty.ts); absent: T = 1. */
  calibration: CalibrationSchema.optional(),
  /** The uncertainty heads in ensemble.bin (uncertainty.ts); absent: no uncertainty. */
  ensemble: EnsembleSchema.optional(),
  /** Trained from series labels: the attention head in series-head.bin (series-head.ts); absent: an image-level package. */
  seriesHead: SeriesHeadSchema.optional(),
  /** The training split's domain (header summary) and feature density in domain.bin (domain.ts); absent: "training domain unknown". */
  domain: DomainSchema.optional(),
  /** SHA-256 over the package's files; see contentHash() in package.ts for exactly what. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});

export type PackageMetadata = z.infer<typeof MetadataSchema>;
export type Preprocessing = z.infer<typeof PreprocessingSchema>;
/** What a caller supplies; the format version, layout and content hash are filled in on save. */
export type PackageMetadataInput = Omit<PackageMetadata, 'formatVersion' | 'contentHash' | 'layout' | 'provenance'> & {
  provenance?: Partial<PackageMetadata['provenance']>;
};
