// What a package records of its training data's domain (metadata.json's `domain`) and the
// feature density of its training images (domain.bin), and how an image is judged against
// them at prediction: "is this image like the training data?". Optional (format 2): a package
// without `domain` predicts as before and says the training domain is unknown.
//
// domain.bin: little-endian float32: mean [features], std [features], components
// [components][features] row-major, variances [components], then the residual variance. It is
// one of the package's files, so the content hash covers it like the model's.
import path from 'node:path';
import { z } from 'zod';
import { readRegularFile } from '../../common/node/read-file';
import { safeText } from '../../common/contract/define';
import type { FeatureDensity } from '../training/ood';

export const DOMAIN_BIN = 'domain.bin';

/** A header value as the package shows it (a modality, a photometric interpretation, a body part). */
const Term = safeText(z.string().min(1).max(64));
/** Counts of each value among the training images; at most 64 kinds. */
const Counts = z.record(Term, z.number().int().min(0)).refine((r) => Object.keys(r).length <= 64, { message: 'at most 64 values' });
const Range = z.object({ min: z.number().finite().min(0), max: z.number().finite().min(0) }).refine((r) => r.min <= r.max, { message: 'min above max' });

/** The training split's headers, summarised. */
export const DomainHeaderSchema = z.object({
  images: z.number().int().min(0),
  series: z.number().int().min(0),
  patients: z.number().int().min(0),
  /** Modality (0008,0060) -> images. */
  modalities: Counts,
  /** Photometric Interpretation (0028,0004) -> images. */
  photometric: Counts,
  /** Body Part Examined (0018,0015) -> images; empty when no training image names one. */
  bodyParts: Counts,
  rows: Range,
  columns: Range,
  /** Pixel Spacing (0028,0030), both directions, mm; null when no training image has it. */
  pixelSpacing: Range.nullable(),
  /** Bits Stored (0028,0101) values seen. */
  bitsStored: z.array(z.number().int().min(1).max(32)).max(32),
});

/** The feature density in domain.bin (models/training/ood.ts) and its threshold. */
export const DomainFeaturesSchema = z.object({
  file: z.literal(DOMAIN_BIN),
  /** Length of model.onnx's "features" output. */
  features: z.number().int().min(1).max(1 << 16),
  components: z.number().int().min(0).max(64),
  /** Ledoit-Wolf shrinkage α. */
  shrinkage: z.number().finite().min(0).max(1),
  method: safeText(z.string().min(1).max(400)),
  /** Above this distance an image is unlike the training images: the validation split's 99th percentile. */
  threshold: z.number().finite().positive(),
  train: z.object({ n: z.number().int().min(2) }),
  validation: z.object({ n: z.number().int().min(1), p50: z.number().finite().min(0), p99: z.number().finite().min(0) }),
});

export const DomainSchema = z.object({
  header: DomainHeaderSchema,
  /** Absent for a run that cached no features (the backbone itself trained). */
  features: DomainFeaturesSchema.optional(),
});

export type DomainHeader = z.infer<typeof DomainHeaderSchema>;
export type DomainFeatures = z.infer<typeof DomainFeaturesSchema>;
export type DomainMetadata = z.infer<typeof DomainSchema>;

/** What the header check reads of one image. */
export interface ImageFacts {
  modality?: string;
  photometric?: string;
  bodyPart?: string;
  rows?: number;
  columns?: number;
  /** Mean of the two pixel spacings, mm. */
  pixelSpacing?: number;
  bitsStored?: number;
}

/** One prediction's verdict: outside when any reason holds. `distance` is the feature score (absent without a density). */
export interface DomainVerdict {
  outside: boolean;
  reasons: string[];
  distance?: number;
  threshold?: number;
}

/** Pixel spacing within this factor of the training range counts as inside it. */
export const SPACING_SLACK = 1.25;
/** Image size (rows, columns) within this factor of the training range counts as inside it. */
export const SIZE_SLACK = 2;

/** The kinds of a count, most frequent first; at most 5 named (a reason stays one short line). */
const list = (r: Record<string, number>) => {
  const kinds = Object.keys(r).sort((a, b) => r[b] - r[a] || (a < b ? -1 : 1));
  return kinds.length > 5 ? `${kinds.slice(0, 5).join(', ')} and ${kinds.length - 5} more` : kinds.join(', ');
};
const mm = (x: number) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
const span = (r: { min: number; max: number }, f: (x: number) => string) => (r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`);

/** Why an image's header lies outside the training domain, in words ("modality MR; trained on CT"); empty when it does not. */
export function headerReasons(domain: DomainHeader, image: ImageFacts): string[] {
  const reasons: string[] = [];
  const known = (r: Record<string, number>, v: string | undefined, what: string) => {
    if (v && Object.keys(r).length > 0 && !(v in r)) reasons.push(`${what} ${v}; trained on ${list(r)}`);
  };
  known(domain.modalities, image.modality, 'modality');
  known(domain.photometric, image.photometric, 'photometric interpretation');
  known(domain.bodyParts, image.bodyPart, 'body part');
  const s = domain.pixelSpacing;
  if (s && image.pixelSpacing !== undefined && (image.pixelSpacing < s.min / SPACING_SLACK || image.pixelSpacing > s.max * SPACING_SLACK)) {
    reasons.push(`pixel spacing ${mm(image.pixelSpacing)} mm; trained on ${span(s, mm)} mm`);
  }
  const outOf = (v: number | undefined, r: { min: number; max: number }) => v !== undefined && (v < r.min / SIZE_SLACK || v > r.max * SIZE_SLACK);
  if (outOf(image.rows, domain.rows) || outOf(image.columns, domain.columns)) {
    reasons.push(`image size ${image.columns}x${image.rows} px; trained on ${span(domain.columns, String)}x${span(domain.rows, String)} px`);
  }
  return reasons;
}

/** The feature reason ("unlike the training images: score 41 > threshold 17"), or null when the distance is within the threshold. */
export function featureReason(distance: number, threshold: number): string | null {
  if (!(distance > threshold)) return null;
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return `unlike the training images: score ${f(distance)} > threshold ${f(threshold)}`;
}

/** The training domain in a few lines, for the model card and `lumen models`. */
export function describeDomain(domain: DomainMetadata | undefined): string[] {
  if (!domain) return ['Training domain unknown (the package records none).'];
  const h = domain.header;
  const counts = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `${h.images} training images from ${h.series} series of ${h.patients} patients.`,
    `Modality: ${counts(h.modalities) || 'not recorded'}. Photometric interpretation: ${counts(h.photometric) || 'not recorded'}.`,
    `Body part examined: ${counts(h.bodyParts) || 'not stated in the files'}.`,
    `Size ${span(h.columns, String)} x ${span(h.rows, String)} px; pixel spacing ${h.pixelSpacing ? `${span(h.pixelSpacing, mm)} mm` : 'not stated in the files'}; bits stored ${h.bitsStored.join(', ') || 'not recorded'}.`,
  ];
  const f = domain.features;
  lines.push(f
    ? `Feature check: ${f.method}; threshold ${f.threshold.toFixed(1)} (the 99th percentile of ${f.validation.n} validation images; their median ${f.validation.p50.toFixed(1)}).`
    : `Header check only: ${NO_FEATURE_CHECK}.`);
  return lines;
}

/** Why a package with a domain record has no feature check (it was trained before every kind of run recorded one). */
const NO_FEATURE_CHECK = 'the package records no feature density (domain.bin), so an image is judged by its header alone';

/**
 * The training domain in one line, for a list of packages (`lumen models packages`, the model
 * panel's picker): "domain: CT, 512×512, 120 patients", "… · header check only" when there is
 * no feature check, or "domain unknown". The same record describeDomain gives in full.
 */
export function domainSummary(domain: DomainMetadata | undefined): string {
  if (!domain) return 'domain unknown';
  const h = domain.header;
  const kinds = Object.keys(h.modalities).sort((a, b) => h.modalities[b] - h.modalities[a] || (a < b ? -1 : 1));
  const modality = kinds.length === 0 ? 'modality not recorded' : kinds.length > 3 ? `${kinds.slice(0, 3).join('/')} and ${kinds.length - 3} more` : kinds.join('/');
  const size = h.images > 0 ? `${span(h.columns, String)}×${span(h.rows, String)}` : 'no size recorded';
  const patients = `${h.patients} ${h.patients === 1 ? 'patient' : 'patients'}`;
  return `domain: ${modality}, ${size}, ${patients}${domain.features ? '' : ' · header check only'}`;
}

/** The bytes of domain.bin for a density. */
export function domainBytes(density: FeatureDensity): Uint8Array {
  const d = density.features;
  const k = density.variances.length;
  const all = new Float32Array(2 * d + k * d + k + 1);
  all.set(density.mean, 0);
  all.set(density.std, d);
  all.set(density.components, 2 * d);
  all.set(density.variances, 2 * d + k * d);
  all[2 * d + k * d + k] = density.residualVariance;
  // Float32Array is the platform's byte order; every platform Lumen runs on is little-endian.
  return new Uint8Array(all.buffer);
}

/** Why a package's domain.bin does not fit its metadata, or null when it does (loadPackage refuses such a package). */
export function domainFileProblem(dir: string, meta: { domain?: DomainMetadata }): string | null {
  return readDomainDensity(dir, meta, false).problem;
}

/** Reads a package's feature density, or null when it has none; a file that does not fit its metadata throws, naming the package. */
export function readDomainDensity(dir: string, meta: { domain?: DomainMetadata }): FeatureDensity | null;
export function readDomainDensity(dir: string, meta: { domain?: DomainMetadata }, throws: false): { density: FeatureDensity | null; problem: string | null };
export function readDomainDensity(dir: string, meta: { domain?: DomainMetadata }, throws = true): FeatureDensity | null | { density: FeatureDensity | null; problem: string | null } {
  const done = (density: FeatureDensity | null, problem: string | null) => {
    if (throws && problem) throw new Error(`Model package ${dir}: ${problem}`);
    return throws ? density : { density, problem };
  };
  const f = meta.domain?.features;
  if (!f) return done(null, null);
  const d = f.features;
  const k = f.components;
  const need = (2 * d + k * d + k + 1) * 4;
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path.join(dir, f.file), 'package');
  } catch {
    return done(null, `missing or unreadable file ${f.file} (the training-domain check that metadata.json names); the package is damaged. Train it again or use another package.`);
  }
  if (bytes.byteLength !== need) {
    return done(null, `${f.file} holds ${bytes.byteLength} bytes, but a training-domain density of ${d} features and ${k} components needs ${need}; the package is damaged or was altered. Train it again or use another package.`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  if (!all.every(Number.isFinite)) return done(null, `${f.file} holds values that are not finite numbers; the package is damaged. Train it again or use another package.`);
  const std = all.slice(d, 2 * d);
  const variances = all.slice(2 * d + k * d, 2 * d + k * d + k);
  const residualVariance = all[2 * d + k * d + k];
  if (!std.every((x) => x > 0) || !variances.every((x) => x > 0) || !(residualVariance > 0)) {
    return done(null, `${f.file} holds a standard deviation or variance that is not positive; the package is damaged. Train it again or use another package.`);
  }
  return done({ features: d, mean: all.slice(0, d), std, components: all.slice(2 * d, 2 * d + k * d), variances, residualVariance, shrinkage: f.shrinkage }, null);
}
