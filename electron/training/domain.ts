// The training domain's wiring (the record and the judgement are models/package/domain.ts, the
// feature density models/training/ood.ts): what training records of its training split's
// headers, and each predicted image's header facts and verdict.
import { statSync } from 'node:fs';
import { parseHeader } from '../library/header';
import { DOMAIN_BIN, featureReason, headerReasons, readDomainDensity, type DomainFeatures, type DomainHeader, type DomainMetadata, type DomainVerdict, type ImageFacts } from '../../models/package/domain';
import { distanceThreshold, featureDistance, featureDistances, fitFeatureDensity, MAX_COMPONENTS, type FeatureDensity } from '../../models/training/ood';
import type { ImageRef } from '../dicom/model-input';

/** Body Part Examined (0018,0015). */
const BODY_PART = 'x00180015';

/** One image's header facts the domain check compares; an unreadable header gives none (the decode reports the file). */
export function imageFacts(file: string): ImageFacts {
  try {
    const parsed = parseHeader(file, statSync(file).size);
    const m = parsed.meta;
    const body = parsed.dataSet.string(BODY_PART)?.trim().toUpperCase();
    const spacing = m.pixelSpacing && m.pixelSpacing.every((x) => Number.isFinite(x) && x > 0) ? (m.pixelSpacing[0] + m.pixelSpacing[1]) / 2 : undefined;
    const term = (t: string | undefined) => (t && /^[\x20-\x7e]{1,64}$/.test(t) ? t.trim() : undefined);
    return {
      modality: term(m.modality?.toUpperCase()),
      photometric: term(m.photometricInterpretation?.toUpperCase()),
      bodyPart: term(body),
      rows: m.rows > 0 ? m.rows : undefined,
      columns: m.columns > 0 ? m.columns : undefined,
      pixelSpacing: spacing,
      bitsStored: m.bitsStored > 0 && m.bitsStored <= 32 ? m.bitsStored : undefined,
    };
  } catch {
    return {};
  }
}

/** The training split's headers summarised: what the package's `domain.header` records. */
export function trainingDomainHeader(images: readonly (ImageRef & { patient: string })[], facts: (file: string) => ImageFacts = imageFacts): DomainHeader {
  const modalities: Record<string, number> = {};
  const photometric: Record<string, number> = {};
  const bodyParts: Record<string, number> = {};
  const bits = new Set<number>();
  const range = () => ({ min: Infinity, max: -Infinity });
  const rows = range(), columns = range(), spacing = range();
  const widen = (r: { min: number; max: number }, v: number | undefined) => {
    if (v === undefined) return;
    r.min = Math.min(r.min, v);
    r.max = Math.max(r.max, v);
  };
  const count = (r: Record<string, number>, v: string | undefined) => {
    // At most 64 kinds are recorded (the schema's bound); a 65th kind is rare enough to leave out.
    if (v && (v in r || Object.keys(r).length < 64)) r[v] = (r[v] ?? 0) + 1;
  };
  const seen = new Map<string, ImageFacts>();
  for (const im of images) {
    let f = seen.get(im.path);
    if (!f) seen.set(im.path, (f = facts(im.path)));
    count(modalities, f.modality);
    count(photometric, f.photometric);
    count(bodyParts, f.bodyPart);
    widen(rows, f.rows);
    widen(columns, f.columns);
    widen(spacing, f.pixelSpacing);
    if (f.bitsStored !== undefined && bits.size < 32) bits.add(f.bitsStored);
  }
  const finite = (r: { min: number; max: number }) => (Number.isFinite(r.min) ? r : { min: 0, max: 0 });
  return {
    images: images.length,
    series: new Set(images.map((i) => i.seriesInstanceUid)).size,
    patients: new Set(images.map((i) => i.patient)).size,
    modalities, photometric, bodyParts,
    rows: finite(rows),
    columns: finite(columns),
    pixelSpacing: Number.isFinite(spacing.min) ? spacing : null,
    bitsStored: [...bits].sort((a, b) => a - b),
  };
}

/**
 * The training-domain density (models/training/ood.ts) on the training split's features (one
 * row per image, not augmented), its threshold the validation split's 99th percentile of
 * distances: an image further than that from the training images is said to be unlike them at
 * prediction. Undefined when the splits are too small or the distances degenerate.
 */
export function fitTrainingDomain(train: readonly Float32Array[], validation: readonly Float32Array[]): { density: FeatureDensity; metadata: DomainFeatures } | undefined {
  if (train.length < 2 || validation.length < 1) return undefined;
  const density = fitFeatureDensity(train);
  const flat = new Float32Array(validation.length * density.features);
  validation.forEach((f, i) => flat.set(f, i * density.features));
  const v = distanceThreshold(featureDistances(density, flat, validation.length));
  if (!(v.p99 > 0) || !Number.isFinite(v.p99)) return undefined;
  const metadata: DomainFeatures = {
    file: DOMAIN_BIN, features: density.features, components: density.variances.length, shrinkage: density.shrinkage,
    method: `Mahalanobis distance of the pooled backbone features under a Gaussian of the training split's (standardised; probabilistic PCA, ${density.variances.length} of at most ${MAX_COMPONENTS} components, Ledoit-Wolf shrinkage ${density.shrinkage.toFixed(2)})`,
    threshold: v.p99, train: { n: train.length }, validation: v,
  };
  return { density, metadata };
}

/** Each image's verdict against a package's domain: header reasons, then the feature score (with a density and distances). */
export function domainVerdicts(domain: DomainMetadata, images: readonly Pick<ImageRef, 'path'>[], distances: (number | null)[] | null, facts: (file: string) => ImageFacts = imageFacts): DomainVerdict[] {
  const seen = new Map<string, ImageFacts>();
  const threshold = domain.features?.threshold;
  return images.map((im, i) => {
    let f = seen.get(im.path);
    if (!f) seen.set(im.path, (f = facts(im.path)));
    const reasons = headerReasons(domain.header, f);
    const distance = distances?.[i] ?? undefined;
    if (distance !== undefined && threshold !== undefined) {
      const r = featureReason(distance, threshold);
      if (r) reasons.push(r);
    }
    return { outside: reasons.length > 0, reasons, ...(distance !== undefined && threshold !== undefined ? { distance, threshold } : {}) };
  });
}

/**
 * Images' verdicts against a package as written, from their pooled features at hand (one row per
 * image): the package's own domain record and density (domain.bin, read from its folder as
 * predict() reads it), judged by domainVerdicts. What training stores for its test split and a
 * series head gives its slices; null for a package without a record (every image "unknown").
 */
export function packageVerdicts(pkg: { dir: string; metadata: { domain?: DomainMetadata } }, images: readonly Pick<ImageRef, 'path'>[], features: readonly Float32Array[] | null): DomainVerdict[] | null {
  const domain = pkg.metadata.domain;
  if (!domain) return null;
  const density = readDomainDensity(pkg.dir, pkg.metadata);
  return domainVerdicts(domain, images, density && features ? features.map((f) => featureDistance(density, f)) : null);
}

export type { FeatureDensity };
