// Whether a package's model.json agrees with its weight files and its own layers, read without
// loading a weight: the content hash proves the files are the ones metadata.json names, not
// that model.json describes them. A manifest declaring a kernel 3×3×3×999 over a shard holding
// 3×3×3×16 (a buggy or hostile exporter, its hash recomputed) was listed and used and failed
// only when a heatmap loaded the TF.js weights; loadPackage refuses it with this problem.
import { statSync } from 'node:fs';
import path from 'node:path';
import { MODEL_JSON } from '../weights/tfjs-format';

type Weight = { name: string; shape: unknown; dtype?: unknown; quantization?: { dtype?: unknown } };

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

const dims = (shape: readonly (number | string)[]) => shape.join('×');

/** What layer `layer` says a weight of it must be, or null where nothing can be told from its config alone. */
function layerProblem(name: string, shape: readonly number[], layers: readonly any[]): string | null {
  const parts = name.split('/');
  if (parts.length < 2) return null;
  const layerName = parts[parts.length - 2];
  const weight = parts[parts.length - 1].replace(/:\d+$/, '');
  const layer = layers.find((l) => l?.config?.name === layerName || l?.name === layerName);
  if (!layer) return null;
  const cls: string = layer.class_name;
  const c = layer.config ?? {};
  const kernelSize: number[] | null = Array.isArray(c.kernel_size) ? c.kernel_size : typeof c.kernel_size === 'number' ? [c.kernel_size, c.kernel_size] : null;
  const declared = `${MODEL_JSON} declares ${name} as ${dims(shape)}, but layer ${layerName}`;
  const want = (expected: (number | null)[], what: string): string | null => {
    const fits = shape.length === expected.length && expected.every((e, i) => e === null || e === shape[i]);
    return fits ? null : `${declared} ${what} (${dims(expected.map((e) => e ?? '…'))})`;
  };
  if (cls === 'Conv2D' && typeof c.filters === 'number') {
    if (weight === 'kernel' && kernelSize) return want([kernelSize[0], kernelSize[1], null, c.filters], `has ${c.filters} filters of ${dims(kernelSize)}`);
    if (weight === 'bias') return want([c.filters], `has ${c.filters} filters`);
  }
  if (cls === 'DepthwiseConv2D' && weight === 'depthwise_kernel' && kernelSize) {
    const m = typeof c.depth_multiplier === 'number' ? c.depth_multiplier : 1;
    return want([kernelSize[0], kernelSize[1], null, m], `is a ${dims(kernelSize)} depthwise convolution with depth multiplier ${m}`);
  }
  if (cls === 'Dense' && typeof c.units === 'number') {
    if (weight === 'kernel') return want([null, c.units], `has ${c.units} units`);
    if (weight === 'bias') return want([c.units], `has ${c.units} units`);
  }
  if (cls === 'BatchNormalization' && ['gamma', 'beta', 'moving_mean', 'moving_variance'].includes(weight)) return want([null], 'normalizes one value per channel');
  return null;
}

/**
 * Why model.json's weights manifest does not fit the package's weight files or its layers, or
 * null: each declared shape a list of sizes, each weight as its layer's config says (filters,
 * kernel size, units), and the bytes the manifest needs equal to what its shards hold.
 */
export function weightShapesProblem(root: string, modelJson: any, layers: readonly any[]): string | null {
  const groups: any[] = Array.isArray(modelJson?.weightsManifest) ? modelJson.weightsManifest : [];
  let need = 0;
  let have = 0;
  let countable = true;
  const files: string[] = [];
  let firstLayerProblem: string | null = null;
  for (const group of groups) {
    for (const file of group.paths as string[]) {
      files.push(file);
      have += statSync(path.join(root, file)).size;
    }
    const weights: unknown = group.weights ?? [];
    if (!Array.isArray(weights)) return `${MODEL_JSON} has a damaged weights manifest (a group's weights are not a list)`;
    for (const w of weights as Weight[]) {
      const name = typeof w?.name === 'string' ? w.name : '(unnamed)';
      if (!Array.isArray(w?.shape) || w.shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) return `${MODEL_JSON} declares ${name} with shape ${JSON.stringify(w?.shape)}, not a list of sizes`;
      const shape = w.shape as number[];
      firstLayerProblem ??= layerProblem(name, shape, layers);
      const bytes = typeof w.quantization?.dtype === 'string' ? QUANTIZED_BYTES[w.quantization.dtype] : typeof w.dtype === 'string' ? DTYPE_BYTES[w.dtype] : undefined;
      if (bytes === undefined) countable = false;
      else need += shape.reduce((a, b) => a * b, 1) * bytes;
    }
  }
  const bytesProblem = countable && need !== have ? `${MODEL_JSON}'s weights need ${need} bytes, the weight files hold ${have} bytes (${files.join(', ')})` : null;
  if (firstLayerProblem && bytesProblem) return `${firstLayerProblem}; ${bytesProblem}`;
  if (firstLayerProblem) return `${firstLayerProblem}; the package does not match its model`;
  if (bytesProblem) return `${bytesProblem}: ${MODEL_JSON} does not describe these weights`;
  return null;
}
