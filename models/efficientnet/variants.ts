// The EfficientNet family as data: one table of variants, the stage tables, and
// compound scaling. Everything here is plain numbers; build.ts turns it into layers.

export type Family = 'efficientnet' | 'efficientnetv2';

/** One stage of blocks before width/depth scaling (Keras' DEFAULT_BLOCKS_ARGS). */
export interface StageSpec {
  /** 'mbconv': 1x1 expand + depthwise kxk; 'fused': one regular kxk conv (EfficientNetV2). */
  readonly block: 'mbconv' | 'fused';
  readonly expand: number;
  readonly kernel: number;
  readonly stride: 1 | 2;
  readonly filtersIn: number;
  readonly filtersOut: number;
  readonly repeats: number;
  /** Squeeze-and-excitation ratio of the block's *input* channels; 0 = no SE. */
  readonly se: number;
}

export interface VariantSpec {
  readonly name: string;
  readonly family: Family;
  /** Width coefficient: channels x width, rounded to multiples of 8. */
  readonly width: number;
  /** Depth coefficient: repeats x depth, rounded up. */
  readonly depth: number;
  /** Native input resolution (square). */
  readonly resolution: number;
  /** Dropout before the classifier. */
  readonly dropout: number;
}

/** A variant from compound scaling: a VariantSpec plus what the scaling reported. */
export interface CustomVariant extends VariantSpec {
  readonly phi: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  /** alpha * beta^2 * gamma^2: FLOPs grow about this factor per unit of phi (the paper wants ~2). */
  readonly flopsFactor: number;
  /** Set when flopsFactor is more than 10% away from 2. */
  readonly warning?: string;
}

// Released coefficients (Keras applications): width, depth, resolution, dropout.
// Built with a 1000-class top and no preprocessing layers, the builder gives Keras' counts:
// B0 5,330,564 ... B7 66,658,680, and V2-S 21,612,360 · V2-M 54,431,388 · V2-L 119,027,848
// (Keras applications table, keras.io/api/applications, exact figures as listed in the
// DeepVision README, DavidLandup0/deepvision; Keras' V2-S/M/L preprocessing is a weightless
// Rescaling, so the counts are the same with or without it). test/models/efficientnet.test.ts
// holds these numbers; the code computes them from the tables below.
// V2-S/M/L are unscaled (1.0, 1.0); their resolutions are Keras' default sizes and their
// dropout is Keras' default (0.2) — the V2 paper raises it during progressive training
// (see progressive.ts), which does not change the weights.
export const VARIANTS = [
  { name: 'b0', family: 'efficientnet', width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2 },
  { name: 'b1', family: 'efficientnet', width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2 },
  { name: 'b2', family: 'efficientnet', width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3 },
  { name: 'b3', family: 'efficientnet', width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3 },
  { name: 'b4', family: 'efficientnet', width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4 },
  { name: 'b5', family: 'efficientnet', width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4 },
  { name: 'b6', family: 'efficientnet', width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5 },
  { name: 'b7', family: 'efficientnet', width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5 },
  { name: 'v2-s', family: 'efficientnetv2', width: 1.0, depth: 1.0, resolution: 384, dropout: 0.2 },
  { name: 'v2-m', family: 'efficientnetv2', width: 1.0, depth: 1.0, resolution: 480, dropout: 0.2 },
  { name: 'v2-l', family: 'efficientnetv2', width: 1.0, depth: 1.0, resolution: 480, dropout: 0.2 },
] as const satisfies readonly VariantSpec[];

export type VariantName = (typeof VARIANTS)[number]['name'];

export const VARIANT_NAMES: readonly VariantName[] = VARIANTS.map((v) => v.name);

export function isVariantName(name: string): name is VariantName {
  return (VARIANT_NAMES as readonly string[]).includes(name);
}

export function getVariant(name: VariantName | string): VariantSpec {
  const found = VARIANTS.find((v) => v.name === name);
  if (!found) throw new Error(`Unknown EfficientNet variant "${name}". Known variants: ${VARIANT_NAMES.join(', ')}.`);
  return found;
}

export function resolveVariant(variant: VariantName | VariantSpec): VariantSpec {
  return typeof variant === 'string' ? getVariant(variant) : variant;
}

const mb = (expand: number, kernel: number, stride: 1 | 2, filtersIn: number, filtersOut: number, repeats: number): StageSpec =>
  ({ block: 'mbconv', expand, kernel, stride, filtersIn, filtersOut, repeats, se: 0.25 });
const fused = (expand: number, stride: 1 | 2, filtersIn: number, filtersOut: number, repeats: number): StageSpec =>
  ({ block: 'fused', expand, kernel: 3, stride, filtersIn, filtersOut, repeats, se: 0 });
const mb3 = (expand: number, stride: 1 | 2, filtersIn: number, filtersOut: number, repeats: number): StageSpec =>
  mb(expand, 3, stride, filtersIn, filtersOut, repeats);

/** The B0 baseline (EfficientNet paper Table 1), scaled by width/depth for B1..B7. */
export const EFFICIENTNET_STAGES: readonly StageSpec[] = [
  mb(1, 3, 1, 32, 16, 1),
  mb(6, 3, 2, 16, 24, 2),
  mb(6, 5, 2, 24, 40, 2),
  mb(6, 3, 2, 40, 80, 3),
  mb(6, 5, 1, 80, 112, 3),
  mb(6, 5, 2, 112, 192, 4),
  mb(6, 3, 1, 192, 320, 1),
];

/** EfficientNetV2 stage tables (EfficientNetV2 paper Table 4 and Keras' efficientnet_v2.py). */
export const EFFICIENTNETV2_STAGES: Readonly<Record<'v2-s' | 'v2-m' | 'v2-l', readonly StageSpec[]>> = {
  'v2-s': [
    fused(1, 1, 24, 24, 2),
    fused(4, 2, 24, 48, 4),
    fused(4, 2, 48, 64, 4),
    mb3(4, 2, 64, 128, 6),
    mb3(6, 1, 128, 160, 9),
    mb3(6, 2, 160, 256, 15),
  ],
  'v2-m': [
    fused(1, 1, 24, 24, 3),
    fused(4, 2, 24, 48, 5),
    fused(4, 2, 48, 80, 5),
    mb3(4, 2, 80, 160, 7),
    mb3(6, 1, 160, 176, 14),
    mb3(6, 2, 176, 304, 18),
    mb3(6, 1, 304, 512, 5),
  ],
  'v2-l': [
    fused(1, 1, 32, 32, 4),
    fused(4, 2, 32, 64, 7),
    fused(4, 2, 64, 96, 7),
    mb3(4, 2, 96, 192, 10),
    mb3(6, 1, 192, 224, 19),
    mb3(6, 2, 224, 384, 25),
    mb3(6, 1, 384, 640, 7),
  ],
};

/** Stage table for a variant; custom variants of the V1 family use the B0 table. */
export function stagesOf(spec: VariantSpec): readonly StageSpec[] {
  if (spec.family === 'efficientnet') return EFFICIENTNET_STAGES;
  const table = EFFICIENTNETV2_STAGES[spec.name as keyof typeof EFFICIENTNETV2_STAGES];
  if (!table) throw new Error(`No EfficientNetV2 stage table for "${spec.name}" (known: v2-s, v2-m, v2-l).`);
  return table;
}

/** Channels of the stem conv (before width scaling). */
export function stemFilters(spec: VariantSpec): number {
  return spec.family === 'efficientnet' ? 32 : stagesOf(spec)[0].filtersIn;
}

/** Channels of the head conv (before width scaling) — the embedding size when unscaled. */
export const TOP_FILTERS = 1280;

/**
 * Keras' channel rounding: filters x width to the nearest multiple of 8, never below 8.
 * EfficientNet (V1) also never rounds down by more than 10%; Keras' V2 code omits that
 * check, and we follow each family so that layer shapes match the published weights.
 */
export function roundFilters(filters: number, width: number, family: Family = 'efficientnet', divisor = 8): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor(Math.trunc(scaled + divisor / 2) / divisor) * divisor);
  if (family === 'efficientnet' && rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}

/** Keras' repeat rounding: ceil(depth x repeats). */
export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

/** Size of the pooled feature vector (the output of `avg_pool`) for a variant. */
export function embeddingDim(variant: VariantName | VariantSpec): number {
  const spec = resolveVariant(variant);
  return roundFilters(TOP_FILTERS, spec.width, spec.family);
}

/**
 * Compound scaling as the EfficientNet paper states it: depth alpha^phi, width beta^phi,
 * resolution gamma^phi x 224. The resolution is rounded to a multiple of 8 (not 32): the
 * released models are not multiples of 32 either (260, 300, 380, 456, 528), and the
 * stride-2 convolutions pad like TF 'same', so any size works; 8 keeps the feature maps
 * of the first stages even. Negative phi gives smaller models (phi = -4: 128 px, for tests).
 * Dropout follows the released family: 0.2 + 0.05 x phi, kept within [0.2, 0.5].
 * Reports alpha x beta^2 x gamma^2 and warns when it is more than 10% away from 2.
 */
export function customVariant(opts: { phi: number; alpha?: number; beta?: number; gamma?: number }): CustomVariant {
  const { phi, alpha = 1.2, beta = 1.1, gamma = 1.15 } = opts;
  for (const [key, value] of Object.entries({ phi, alpha, beta, gamma })) {
    if (!Number.isFinite(value)) throw new Error(`customVariant: ${key} must be a finite number, got ${value}.`);
  }
  if (alpha <= 0 || beta <= 0 || gamma <= 0) throw new Error('customVariant: alpha, beta and gamma must be positive.');
  const flopsFactor = alpha * beta ** 2 * gamma ** 2;
  const resolution = Math.max(32, Math.round((224 * gamma ** phi) / 8) * 8);
  const warning = Math.abs(flopsFactor - 2) / 2 > 0.1
    ? `alpha*beta^2*gamma^2 = ${flopsFactor.toFixed(3)} is more than 10% away from 2: each step of phi will not double the FLOPs as compound scaling intends.`
    : undefined;
  return {
    name: `custom-phi${phi}`,
    family: 'efficientnet',
    width: beta ** phi,
    depth: alpha ** phi,
    resolution,
    dropout: Math.min(0.5, Math.max(0.2, 0.2 + 0.05 * phi)),
    phi,
    alpha,
    beta,
    gamma,
    flopsFactor,
    ...(warning ? { warning } : {}),
  };
}

/** "b0" .. "v2-l", or "custom-phi-4" / "phi-4" / "phi=-4" for compound scaling with that phi. */
export function parseVariant(name: string): VariantSpec {
  if (isVariantName(name)) return getVariant(name);
  const m = /^(?:custom-)?phi[=:]?(-?\d+(?:\.\d+)?)$/i.exec(name.trim());
  if (m) return customVariant({ phi: Number(m[1]) });
  throw new Error(`Unknown backbone "${name}". Choose b0..b7, v2-s, v2-m, v2-l, or custom-phi<N> (compound scaling, e.g. custom-phi-10 for a tiny network).`);
}
