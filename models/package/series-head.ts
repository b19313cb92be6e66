// A package trained from series labels (multiple-instance learning, models/training/mil.ts)
// records its attention head as metadata.json's `seriesHead` and the file series-head.bin.
// The package's model (model.json, model.onnx) scores each slice with the same classifier, so
// it works as an image classifier too; the series head adds the series' score and the weight
// of each slice in it. Absent: an image-level package.
//
// series-head.bin: little-endian float32, in order mean [dim], std [dim], V [dim][hidden],
// bV [hidden], U [dim][hidden], bU [hidden], w [hidden], W [dim][classes], b [classes]. It is
// one of the package's files, so the content hash covers it like the model's.
import { z } from 'zod';
import path from 'node:path';
import { readRegularFile } from '../../common/node/read-file';
import type { MilHead } from '../training/mil';

export const SERIES_HEAD_BIN = 'series-head.bin';

export const SeriesHeadSchema = z.object({
  file: z.literal(SERIES_HEAD_BIN),
  pooling: z.literal('gated-attention'),
  /** Length of model.onnx's "features" output, which the head takes per slice. */
  features: z.number().int().min(1).max(1 << 16),
  hidden: z.number().int().min(1).max(4096),
  classes: z.number().int().min(2),
  /** What was trained, for a reader of metadata.json. */
  method: z.string().min(1),
});

export type SeriesHeadMetadata = z.infer<typeof SeriesHeadSchema>;

const ORDER = ['mean', 'std', 'V', 'bV', 'U', 'bU', 'w', 'W', 'b'] as const;

function sizes(dim: number, hidden: number, classes: number): Record<(typeof ORDER)[number], number> {
  return { mean: dim, std: dim, V: dim * hidden, bV: hidden, U: dim * hidden, bU: hidden, w: hidden, W: dim * classes, b: classes };
}

/** The bytes of series-head.bin for a head. */
export function seriesHeadBytes(h: MilHead): Uint8Array {
  const n = sizes(h.dim, h.hidden, h.classes);
  const all = new Float32Array(ORDER.reduce((a, k) => a + n[k], 0));
  let at = 0;
  for (const k of ORDER) {
    all.set(h[k], at);
    at += n[k];
  }
  // Float32Array is the platform's byte order; every platform Lumen runs on is little-endian.
  return new Uint8Array(all.buffer);
}

/** Reads a package's series head, or null when it has none; a file of the wrong size or with a bad value is an error naming the package. */
export function readSeriesHead(dir: string, meta: { seriesHead?: SeriesHeadMetadata; classNames: string[] }): MilHead | null {
  const s = meta.seriesHead;
  if (!s) return null;
  if (s.classes !== meta.classNames.length) throw new Error(`Model package ${dir}: its series head has ${s.classes} classes but metadata.json names ${meta.classNames.length}.`);
  const n = sizes(s.features, s.hidden, s.classes);
  const total = ORDER.reduce((a, k) => a + n[k], 0);
  const bytes = readRegularFile(path.join(dir, s.file), 'package');
  if (bytes.byteLength !== total * 4) throw new Error(`Model package ${dir}: ${s.file} holds ${bytes.byteLength} bytes, but a series head of ${s.features} features, ${s.hidden} attention units and ${s.classes} classes needs ${total * 4}.`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (!all.every(Number.isFinite)) throw new Error(`Model package ${dir}: ${s.file} holds a value that is not a finite number.`);
  const head: Partial<MilHead> = { dim: s.features, hidden: s.hidden, classes: s.classes };
  let at = 0;
  for (const k of ORDER) {
    head[k] = all.slice(at, at + n[k]);
    at += n[k];
  }
  if (!head.std!.every((x) => x > 0)) throw new Error(`Model package ${dir}: ${s.file} has a feature scale that is not positive.`);
  return head as MilHead;
}
