// What a package records of its calibration and its uncertainty heads (metadata.json's
// `calibration` and `ensemble`), and the heads' file, ensemble.bin. Both are optional: a
// package without `calibration` gives its scores as they are (T = 1), one without `ensemble`
// gives no uncertainty (null, never a made-up number).
//
// ensemble.bin: little-endian float32, head after head, each its kernel [features][classes]
// row-major then its bias [classes]. It is one of the package's files, so the content hash
// covers it like the model's.
import { z } from 'zod';
import { readRegularFile } from '../../common/node/read-file';
import path from 'node:path';
import type { EnsembleHeads } from '../training/ensemble';

export const ENSEMBLE_BIN = 'ensemble.bin';

const Ece = z.number().min(0).max(1);

export const CalibrationSchema = z.object({
  /** Folded into the dense head's weights at training: runtimes apply nothing more. */
  temperature: z.number().positive(),
  method: z.string().min(1),
  applied: z.boolean(),
  /** Why T = 1 was kept (applied false): too few validation images, a fit at the range's bound, or no gain. */
  reason: z.string().min(1).max(1000).optional(),
  validation: z.object({ n: z.number().int().min(0), eceBefore: Ece, eceAfter: Ece, nllBefore: z.number(), nllAfter: z.number() }),
  test: z.object({ n: z.number().int().min(0), eceBefore: Ece, eceAfter: Ece }).optional(),
});

export const EnsembleSchema = z.object({
  file: z.literal(ENSEMBLE_BIN),
  heads: z.number().int().min(2).max(64),
  /** Length of model.onnx's "features" output, which the heads take. */
  features: z.number().int().min(1).max(1 << 16),
  classes: z.number().int().min(2),
  method: z.string().min(1),
  /** What the number means, for a reader of metadata.json. */
  measure: z.string().min(1),
  priorScale: z.number().positive(),
  /** The validation split's uncertainties: above p95 is "high" (rarer than 1 in 20 validation images). */
  validation: z.object({ n: z.number().int().min(0), mean: z.number().min(0).max(1), p95: z.number().min(0).max(1) }),
});

export type CalibrationMetadata = z.infer<typeof CalibrationSchema>;
export type EnsembleMetadata = z.infer<typeof EnsembleSchema>;

/** The bytes of ensemble.bin for heads. */
export function ensembleBytes(e: EnsembleHeads): Uint8Array {
  const per = e.features * e.classes + e.classes;
  const all = new Float32Array(e.heads.length * per);
  e.heads.forEach((h, m) => {
    all.set(h.kernel, m * per);
    all.set(h.bias, m * per + e.features * e.classes);
  });
  // Float32Array is the platform's byte order; every platform Lumen runs on is little-endian.
  return new Uint8Array(all.buffer);
}

/** Reads a package's heads, or null when it has none; a file of the wrong size is an error naming the package. */
export function readEnsemble(dir: string, meta: { ensemble?: EnsembleMetadata; classNames: string[] }): EnsembleHeads | null {
  const e = meta.ensemble;
  if (!e) return null;
  if (e.classes !== meta.classNames.length) throw new Error(`Model package ${dir}: its uncertainty heads have ${e.classes} classes but metadata.json names ${meta.classNames.length}.`);
  const bytes = readRegularFile(path.join(dir, e.file), 'package');
  const per = e.features * e.classes + e.classes;
  if (bytes.byteLength !== e.heads * per * 4) throw new Error(`Model package ${dir}: ${e.file} holds ${bytes.byteLength} bytes, but ${e.heads} heads of ${e.features} features x ${e.classes} classes need ${e.heads * per * 4}.`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (!all.every(Number.isFinite)) throw new Error(`Model package ${dir}: ${e.file} holds values that are not finite numbers; the package is damaged. Train it again or use another package.`);
  return {
    features: e.features,
    classes: e.classes,
    heads: Array.from({ length: e.heads }, (_, m) => ({
      kernel: all.slice(m * per, m * per + e.features * e.classes),
      bias: all.slice(m * per + e.features * e.classes, (m + 1) * per),
    })),
  };
}
