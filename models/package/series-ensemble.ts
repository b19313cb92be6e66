// The uncertainty heads of a series-head package (models/training/series-ensemble.ts) in the
// file series-ensemble.bin, which describes itself as safetensors files do: an 8-byte
// little-endian header length N, N bytes of JSON (the header, checked by SeriesEnsembleHeader),
// padded with spaces so that the data starts on a 4-byte boundary, then the heads as
// little-endian float32, head after head, each its kernel [features][classes] row-major then its
// bias [classes] (ensemble.bin's layout, ensembleBytes).
//
// Why the file carries its own description rather than a metadata.json field: the content hash
// covers every file of the package and metadata.json as the reader parsed it, and a reader
// drops the fields it does not know, so a new field would make every earlier Lumen call the
// package corrupt (metadata.ts, FORMAT_2_PARTS) and a new format version would make them refuse
// it. As a file, it is hashed like the others (altering it is a content hash mismatch) and an
// earlier Lumen opens the package and ignores it: its series get no uncertainty, as from a
// package made before these heads existed (no file: null, never a made-up number). The header's
// `version` says which layout this is; a version this Lumen does not know gives no uncertainty
// rather than refusing a package whose scores it can still give.
import { z } from 'zod';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readRegularFile } from '../../common/node/read-file';
import type { EnsembleHeads } from '../training/ensemble';
import type { SeriesEnsemble } from '../training/series-ensemble';
import { ensembleBytes } from './uncertainty';

export const SERIES_ENSEMBLE_BIN = 'series-ensemble.bin';
export const SERIES_ENSEMBLE_VERSION = 1;
const FORMAT = 'lumen-series-ensemble';
/** Far above a real header (a few hundred bytes); bounds what a damaged length asks to parse. */
const MAX_HEADER = 64 * 1024;

const Unit = z.number().min(0).max(1);

export const SeriesEnsembleHeader = z
  .object({
    format: z.literal(FORMAT),
    version: z.literal(SERIES_ENSEMBLE_VERSION),
    /** The series head's pooling whose pooled features the heads take. */
    pooling: z.literal('gated-attention'),
    dtype: z.literal('float32-le'),
    heads: z.number().int().min(2).max(64),
    /** The length of the series head's pooled features (its `features`). */
    features: z.number().int().min(1).max(1 << 16),
    classes: z.number().int().min(2),
    method: z.string().min(1).max(1000),
    /** What the number means, for a reader of the header. */
    measure: z.string().min(1).max(1000),
    priorScale: z.number().positive(),
    /** The validation series' uncertainties: above p95 is "high"; p95 null without validation series. */
    validation: z.object({ n: z.number().int().min(0), mean: Unit, p95: Unit.nullable() }),
  })
  .strict();
export type SeriesEnsembleHeader = z.infer<typeof SeriesEnsembleHeader>;

const METHOD = "anchored ensemble of linear heads on the series head's attention-pooled features (bootstrap resamples of the training series, random prior anchors)";
const MEASURE = "the heads' mutual information divided by log K, 0 to 1 (0: the heads agree)";

/** The header written for a trained ensemble. */
export function seriesEnsembleHeader(e: SeriesEnsemble): SeriesEnsembleHeader {
  return {
    format: FORMAT, version: SERIES_ENSEMBLE_VERSION, pooling: 'gated-attention', dtype: 'float32-le',
    heads: e.heads.heads.length, features: e.heads.features, classes: e.heads.classes,
    method: METHOD, measure: MEASURE, priorScale: e.priorScale, validation: e.validation,
  };
}

/** The bytes of series-ensemble.bin. */
export function seriesEnsembleBytes(e: SeriesEnsemble): Uint8Array {
  let json = JSON.stringify(SeriesEnsembleHeader.parse(seriesEnsembleHeader(e)));
  while ((8 + Buffer.byteLength(json)) % 4 !== 0) json += ' ';
  const header = Buffer.from(json, 'utf8');
  const data = ensembleBytes(e.heads);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

export interface ReadSeriesEnsemble {
  heads: EnsembleHeads;
  header: SeriesEnsembleHeader;
}

/**
 * A series-head package's uncertainty heads, or null when it has none (an older package, or a
 * version of the file this Lumen does not read). A damaged file is an error naming the package.
 */
export function readSeriesEnsemble(dir: string, meta: { seriesHead?: { features: number; classes: number }; classNames: string[] }): ReadSeriesEnsemble | null {
  const file = path.join(dir, SERIES_ENSEMBLE_BIN);
  if (!existsSync(file)) return null;
  const bad = (why: string) => new Error(`Model package ${dir}: ${SERIES_ENSEMBLE_BIN} ${why}; the package is damaged. Train it again or use another package.`);
  if (!meta.seriesHead) throw bad('is there but metadata.json has no series head for it');
  const bytes = readRegularFile(file, 'package');
  if (bytes.byteLength < 8) throw bad(`holds ${bytes.byteLength} bytes, too few for its header`);
  const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (size > BigInt(Math.min(MAX_HEADER, bytes.byteLength - 8))) throw bad(`says its header is ${size} bytes long, more than the file or ${MAX_HEADER} bytes`);
  const n = Number(size);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('has a header that is not JSON');
  }
  // A later layout: this Lumen gives the package's scores without their uncertainty.
  const version = (raw as { version?: unknown } | null)?.version;
  if ((raw as { format?: unknown } | null)?.format === FORMAT && typeof version === 'number' && Number.isInteger(version) && version > SERIES_ENSEMBLE_VERSION) return null;
  const parsed = SeriesEnsembleHeader.safeParse(raw);
  if (!parsed.success) throw bad(`has a header this Lumen does not accept (${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'header'}: ${i.message}`).join('; ')})`);
  const h = parsed.data;
  if (h.features !== meta.seriesHead.features) throw bad(`has heads of ${h.features} features but the series head pools ${meta.seriesHead.features}`);
  if (h.classes !== meta.classNames.length || h.classes !== meta.seriesHead.classes) throw bad(`has heads of ${h.classes} classes but metadata.json names ${meta.classNames.length}`);
  const per = h.features * h.classes + h.classes;
  const at = 8 + n;
  if (at % 4 !== 0) throw bad('has its data off a 4-byte boundary');
  if (bytes.byteLength - at !== h.heads * per * 4) throw bad(`holds ${bytes.byteLength - at} bytes of heads, but ${h.heads} heads of ${h.features} features x ${h.classes} classes need ${h.heads * per * 4}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + bytes.byteLength));
  if (!all.every(Number.isFinite)) throw bad('holds values that are not finite numbers');
  return {
    header: h,
    heads: {
      features: h.features,
      classes: h.classes,
      heads: Array.from({ length: h.heads }, (_, m) => ({
        kernel: all.slice(m * per, m * per + h.features * h.classes),
        bias: all.slice(m * per + h.features * h.classes, (m + 1) * per),
      })),
    },
  };
}
