import { buildEfficientNet } from './build';
import { countMacs } from './macs';
import { VARIANTS, embeddingDim, resolveVariant, type Family, type VariantName, type VariantSpec } from './variants';

export interface VariantSummary {
  name: string;
  family: Family;
  resolution: number;
  /** Weights of the 1000-class model (BatchNorm statistics included, no preprocessing layers). */
  params: number;
  /** Multiply-adds per image at `resolution` (see countMacs for what is counted). */
  macs: number;
  embeddingDim: number;
}

/**
 * Builds each variant with a 1000-class top (zero weights: only shapes matter), counts it
 * from the graph and disposes it, so the numbers come from the same builder the app runs.
 */
export function summarizeVariants(variants: readonly (VariantName | VariantSpec)[] = VARIANTS): VariantSummary[] {
  return variants.map((v) => {
    const spec = resolveVariant(v);
    const model = buildEfficientNet(spec, { includeTop: true, classes: 1000, init: 'zeros' });
    try {
      return {
        name: spec.name,
        family: spec.family,
        resolution: spec.resolution,
        params: model.countParams(),
        macs: countMacs(model),
        embeddingDim: embeddingDim(spec),
      };
    } finally {
      model.dispose();
    }
  });
}

