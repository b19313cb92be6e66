// metadata.json of a model package: what the model is, how to feed it, where it came from.
import { z } from 'zod';
import { CalibrationSchema, EnsembleSchema } from './uncertainty';
import { SeriesHeadSchema } from './series-head';

export const PACKAGE_FORMAT_VERSION = 1;

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

export const MetadataSchema = z.object({
  formatVersion: z.literal(PACKAGE_FORMAT_VERSION),
  name: z.string().min(1),
  /** An EfficientNet variant name (b0..b7, v2-s/m/l) or custom-… */
  variant: z.string().min(1),
  /** Square input size in pixels. */
  inputSize: z.number().int().min(32),
  /**
   * Layout of model.onnx's input "input": NCHW [batch, 3, H, W]. The TF.js model
   * (model.json) is always NHWC [batch, H, W, 3]. Both take the normalised image.
   */
  layout: z.literal('NCHW'),
  preprocessing: PreprocessingSchema,
  classNames: z.array(z.string().min(1)).min(1),
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
  /** SHA-256 over the package's files; see contentHash() in package.ts for exactly what. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});

export type PackageMetadata = z.infer<typeof MetadataSchema>;
export type Preprocessing = z.infer<typeof PreprocessingSchema>;
/** What a caller supplies; the format version, layout and content hash are filled in on save. */
export type PackageMetadataInput = Omit<PackageMetadata, 'formatVersion' | 'contentHash' | 'layout' | 'provenance'> & {
  provenance?: Partial<PackageMetadata['provenance']>;
};
