// ImageNet weights for EfficientNet B0..B7: the Keras applications' .h5 files, imported
// from disk (or downloaded, weights-download.ts) into the data folder as a backbone package
// that training starts from (TrainOptions.backbonePackage). A file is accepted when its
// layers have the names and shapes of the variant; its MD5 is compared with the hash Keras
// publishes, and the result is recorded, so that a renamed or own file is told apart from
// the original.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { IMAGENET_VARIANT_NAMES, ImagenetWeights } from '../../common/contract/settings';
import { readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import { buildEfficientNet, getVariant, roundFilters, roundRepeats, stagesOf, stemFilters, TOP_FILTERS } from '../../models';
import { savePackage } from '../../models/package';
import { identifyWeightsFile, KERAS_EFFICIENTNET_FILES, loadKerasH5Weights, readKerasLayerShapes, type KerasWeightsFile } from '../../models/weights';
import { errorMessage } from '../../common/errors';

export const IMAGENET_VARIANTS = IMAGENET_VARIANT_NAMES;
export type ImagenetVariant = KerasWeightsFile['variant'];
export { ImagenetWeights };

/** Imported weights live in <dataDir>/weights: imagenet-<variant>/ (a backbone package) and imagenet-<variant>.json. */
export const WEIGHTS_FOLDER = 'weights';

export class WeightsImportError extends Error {}

export function weightsDir(dataDir: string): string {
  return path.join(dataDir, WEIGHTS_FOLDER);
}

function isImagenetVariant(v: string): v is ImagenetVariant {
  return (IMAGENET_VARIANTS as readonly string[]).includes(v);
}

/** "efficientnetb0_notop.h5", "EfficientNetB3.h5", "efficientnet-b2.h5" -> the variant, else null. */
export function variantFromFileName(name: string): ImagenetVariant | null {
  const m = /efficientnet[-_]?(b[0-7])(?:_notop)?(?:\.h5)?$/i.exec(path.basename(name));
  return m ? (m[1].toLowerCase() as ImagenetVariant) : null;
}

interface Signature {
  stem: number;
  top: number;
  blocks: number;
}

/** What a variant's layers look like: stem and top channels and the number of MBConv blocks. */
function signatureOf(variant: ImagenetVariant): Signature {
  const spec = getVariant(variant);
  return {
    stem: roundFilters(stemFilters(spec), spec.width),
    top: roundFilters(TOP_FILTERS, spec.width),
    blocks: stagesOf(spec).reduce((n, s) => n + roundRepeats(s.repeats, spec.depth), 0),
  };
}

function describeSignature(s: Signature): string {
  return `a ${s.stem}-channel stem, ${s.blocks} blocks and a ${s.top}-channel top`;
}

/** The variant a Keras EfficientNet file's layers say it is, or why they say none. */
export async function variantFromLayers(file: string): Promise<{ variant: ImagenetVariant | null; found: string }> {
  const layers = await readKerasLayerShapes(file);
  const stem = layers.get('stem_conv')?.find((w) => w.name === 'kernel')?.shape;
  const top = layers.get('top_conv')?.find((w) => w.name === 'kernel')?.shape;
  if (!stem || !top) return { variant: null, found: 'no stem_conv or top_conv layer (not a Keras EfficientNet file)' };
  const found: Signature = { stem: stem[3], top: top[3], blocks: [...layers.keys()].filter((n) => /^block\d+[a-z]+_project_conv$/.test(n)).length };
  const variant = IMAGENET_VARIANTS.find((v) => {
    const s = signatureOf(v);
    return s.stem === found.stem && s.top === found.top && s.blocks === found.blocks;
  });
  return { variant: variant ?? null, found: describeSignature(found) };
}

export interface ImportWeightsOptions {
  dataDir: string;
  file: string;
  /** b0..b7; guessed from the file's name, its hash or its layers when not given. */
  variant?: string;
  onProgress?: (message: string) => void;
}

/**
 * Checks a Keras EfficientNet .h5 file against its variant (layer names and shapes) and stores
 * it as the variant's ImageNet backbone in the data folder, replacing an earlier import.
 */
export async function importImagenetWeights(opts: ImportWeightsOptions): Promise<ImagenetWeights> {
  const file = path.resolve(opts.file);
  const base = path.basename(file);
  if (!existsSync(file)) throw new WeightsImportError(`${file} not found`);
  if (opts.variant !== undefined && !isImagenetVariant(opts.variant.toLowerCase())) {
    throw new WeightsImportError(`--variant ${opts.variant}: ImageNet weights exist for b0..b7 only`);
  }
  opts.onProgress?.(`Checking ${base}`);
  const identity = await identifyWeightsFile(file);
  let layerVariant: Awaited<ReturnType<typeof variantFromLayers>>;
  try {
    layerVariant = await variantFromLayers(file);
  } catch (err) {
    // h5.ts's messages name the file and say what it is not; nothing of the HDF5 library's.
    throw new WeightsImportError(`${errorMessage(err)}. Choose a Keras EfficientNet file such as efficientnetb0_notop.h5.`);
  }
  const asked = opts.variant?.toLowerCase() as ImagenetVariant | undefined;
  const variant = asked ?? identity.match?.variant ?? variantFromFileName(base) ?? layerVariant.variant;
  if (!variant) {
    throw new WeightsImportError(`${base}: cannot tell which EfficientNet it is: its layers have ${layerVariant.found}, which matches none of B0..B7. Pass --variant if it is one of them.`);
  }
  const expected = signatureOf(variant);
  if (layerVariant.variant !== variant) {
    const is = layerVariant.variant ? ` (that is EfficientNet-${layerVariant.variant.toUpperCase()})` : '';
    throw new WeightsImportError(
      `${base} is not EfficientNet-${variant.toUpperCase()} weights: its layers have ${layerVariant.found}${is}; ${variant.toUpperCase()} has ${describeSignature(expected)}.`,
    );
  }

  opts.onProgress?.(`Loading ${base} into EfficientNet-${variant.toUpperCase()}`);
  const spec = getVariant(variant);
  // One output unit: the package is a backbone; training replaces the head.
  const model = buildEfficientNet(variant, { inputSize: spec.resolution, classes: 1, init: 'zeros' });
  const dir = weightsDir(opts.dataDir);
  ensurePrivateDir(dir);
  const packageDir = path.join(dir, `imagenet-${variant}`);
  try {
    let preprocessing;
    try {
      const report = await loadKerasH5Weights(model, file);
      preprocessing = report.preprocessing;
    } catch (err) {
      throw new WeightsImportError(`${errorMessage(err)}. The file is not EfficientNet-${variant.toUpperCase()} weights in Keras' layout.`);
    }
    opts.onProgress?.(`Saving the EfficientNet-${variant.toUpperCase()} backbone`);
    await savePackage(
      packageDir,
      model,
      {
        name: `EfficientNet-${variant.toUpperCase()} ImageNet backbone`,
        variant,
        inputSize: spec.resolution,
        preprocessing: { scale: preprocessing.scale, mean: preprocessing.mean, std: preprocessing.std },
        classNames: ['imagenet-backbone'],
        task: 'multiclass',
        modelCard: `ImageNet weights from ${base} (MD5 ${identity.md5}). ${identity.message}. A backbone to train a head on: it has no classifier of its own.`,
        provenance: { sourceWeights: { file: base, sha256: identity.sha256 } },
      },
      { overwrite: true },
    );
  } finally {
    model.dispose();
  }
  const record: ImagenetWeights = {
    variant,
    file: base,
    md5: identity.md5,
    sha256: identity.sha256,
    bytes: identity.bytes,
    published: identity.match?.file ?? null,
    check: identity.message,
    packageDir,
    importedAt: new Date().toISOString(),
  };
  writeFileAtomic(path.join(dir, `imagenet-${variant}.json`), JSON.stringify(record, null, 2));
  return record;
}

/** The ImageNet weights imported into this data folder, B0 first; records whose package is gone are left out. */
export function listImagenetWeights(dataDir: string): ImagenetWeights[] {
  const dir = weightsDir(dataDir);
  if (!existsSync(dir)) return [];
  const out: ImagenetWeights[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = /^imagenet-(b[0-7])\.json$/.exec(name);
    if (!m) continue;
    try {
      const parsed = ImagenetWeights.safeParse(JSON.parse(readRegularText(path.join(dir, name), 'json')));
      // The package is found beside the record, wherever the data folder now is.
      const packageDir = path.join(dir, `imagenet-${m[1]}`);
      if (parsed.success && parsed.data.variant === m[1] && existsSync(path.join(packageDir, 'metadata.json'))) out.push({ ...parsed.data, packageDir });
    } catch {
      // an unreadable record is as if the weights were not imported; importing again rewrites it
    }
  }
  return out;
}

/** The backbone package of the variant's imported ImageNet weights, or null. */
export function imagenetBackbone(dataDir: string, variant: string): string | null {
  return listImagenetWeights(dataDir).find((w) => w.variant === variant)?.packageDir ?? null;
}

/** The published Keras file to download for a variant (the one without the top: training replaces it). */
export function publishedFile(variant: ImagenetVariant, includeTop = false): KerasWeightsFile {
  return KERAS_EFFICIENTNET_FILES.find((f) => f.variant === variant && f.includeTop === includeTop)!;
}
