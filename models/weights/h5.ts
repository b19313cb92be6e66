// Keras HDF5 weights (.h5) import and export by layer name, through h5wasm.
//
// Keras 2 layout (what `model.save_weights('x.h5')` and the Keras applications
// files use): root attributes `layer_names` (every layer, in model order),
// `backend`, `keras_version`; one group per layer with attribute `weight_names`
// (e.g. "stem_conv/kernel:0"); each weight is the dataset
// `<layer>/<weight_name>`, i.e. `stem_conv/stem_conv/kernel:0`. Full-model
// saves (`model.save('x.h5')`) put the same tree under `/model_weights`.
import type * as tf from '@tensorflow/tfjs';
import * as tfc from '@tensorflow/tfjs';
// The ES-module build of h5wasm, not 'h5wasm/node': its file system is Emscripten's
// in-memory one, so a hostile file's external links (a group in "/etc/x.h5" or
// "../x.h5") and external raw storage (data in another file, or a FIFO) reach
// nothing on the host. Files are copied in and out as bytes.
import type * as H5Namespace from 'h5wasm';
import { closeSync, existsSync, readSync, writeFileSync } from 'node:fs';
import { checkRegularFile, openForReading, readRegularFile } from '../../common/node/read-file';
import path from 'node:path';
import { errorMessage } from '../../common/errors';

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** Preprocessing that a Keras EfficientNet file implies: x' = (x * scale - mean) / std per RGB channel. */
export interface KerasPreprocessing {
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Where the numbers came from: a Normalization layer in the file, or Keras' ImageNet defaults. */
  source: 'file' | 'imagenet-default';
  /** The Normalization layer's name in the file, when there is one. */
  layer?: string;
}

export interface H5ImportReport {
  file: string;
  kerasVersion?: string;
  backend?: string;
  /** Model layers whose weights were set from the file. */
  loaded: string[];
  /** Model layers left as they were, with the reason (e.g. a notop file, or a head with another class count). */
  skipped: { layer: string; reason: string }[];
  /** Layers with weights in the file that the model does not have (preprocessing layers, mostly). */
  unused: string[];
  preprocessing: KerasPreprocessing;
}

export interface H5ImportOptions {
  /**
   * Names of head layers that may be skipped when the file lacks them or has
   * other shapes (a notop file, or a head with another number of classes).
   * Default: the Dense layers after the last global pooling (Keras: `predictions`).
   */
  headLayers?: string[];
}

/** Keras' ImageNet statistics (keras/applications/efficientnet.py, imagenet_utils). */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

// Loaded on first use (h5()), not with this module: importing h5wasm compiles and starts its
// HDF5 WebAssembly at once (about 0.4 s of CPU), which every engine start paid (models/weights
// is imported by the engine's settings and training handlers) though only a weights import or
// export needs it. Every function below that uses them runs after `await h5()`.
let h5mod: typeof H5Namespace;
let h5wasm: typeof H5Namespace.default;
type H5Module = Awaited<typeof h5wasm.ready>;
let ready: Promise<H5Module> | undefined;
async function h5(): Promise<typeof h5wasm> {
  ready ??= import('h5wasm')
    .then((loaded) => {
      h5mod = loaded;
      h5wasm = loaded.default;
      return h5wasm.ready;
    })
    .then((mod) => {
      // Emscripten's /dev/tty and /dev/stdin read the engine's real stdin (blocking);
      // external storage or a link naming them must find nothing.
      for (const dev of ['/dev/tty', '/dev/tty1', '/dev/stdin', '/dev/stdout', '/dev/stderr']) {
        try {
          mod.FS.unlink(dev);
        } catch {
          // not there in this build
        }
      }
      try {
        mod.FS.mkdir(MEM_DIR);
      } catch {
        // already made
      }
      return mod;
    });
  await ready;
  return h5wasm;
}

/** The in-memory folder (Emscripten MEMFS) where h5wasm sees copies of files. */
const MEM_DIR = '/lumen-h5';
let memSeq = 0;

function memFs(): H5Module['FS'] {
  const fs = h5mod.FS;
  if (!fs) throw new Error('h5wasm is not ready');
  return fs as unknown as H5Module['FS'];
}

function asStrings(value: unknown): string[] {
  if (value == null) return [];
  if (!Array.isArray(value) && typeof value !== 'string' && !(value instanceof Uint8Array)) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)));
}

/** "stem_conv/kernel:0" -> "kernel"; "block1a_dwconv/depthwise_kernel:0" -> "depthwise_kernel". */
export function shortWeightName(name: string): string {
  return name.split('/').pop()!.replace(/:\d+$/, '');
}

function modelWeightKey(w: tf.LayerVariable): string {
  return w.originalName.split('/').pop()!;
}

/** The Dense layers after the model's last global average pooling: the classification head. */
export function defaultHeadLayers(model: tf.LayersModel): string[] {
  let lastPool = -1;
  model.layers.forEach((l, i) => {
    if (l.getClassName() === 'GlobalAveragePooling2D') lastPool = i;
  });
  return model.layers.filter((l, i) => i > lastPool && l.getClassName() === 'Dense').map((l) => l.name);
}

function shapeText(s: readonly (number | null)[]): string {
  return `[${s.join(', ')}]`;
}

function openWeightsRoot(file: InstanceType<typeof h5wasm.File>, fileName: string): H5Group {
  const nested = file.get('model_weights');
  const root = nested instanceof h5wasm.Group ? nested : file;
  if (!('layer_names' in root.attrs)) {
    throw new Error(`${fileName}: not a Keras weights file (no "layer_names" attribute at / or /model_weights)`);
  }
  return root;
}

interface FileLayer {
  names: string[];
  datasets: H5Dataset[];
}

function readFileLayer(root: H5Group, layerName: string, fileName: string): FileLayer {
  const group = root.get(layerName);
  if (!(group instanceof h5wasm.Group)) throw new Error(`${fileName}: layer "${layerName}" is listed in layer_names but has no group`);
  const names = 'weight_names' in group.attrs ? asStrings(group.attrs['weight_names'].value) : [];
  const datasets = names.map((n) => {
    const d = group.get(n);
    if (!(d instanceof h5wasm.Dataset)) throw new Error(`${fileName}: layer "${layerName}" lists weight "${n}" but the file has no dataset ${layerName}/${n}`);
    return d;
  });
  return { names, datasets };
}

function toFloat32(value: unknown, where: string): Float32Array {
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return new Float32Array(value);
  if (value instanceof BigInt64Array) return Float32Array.from(value, (v) => Number(v));
  if (ArrayBuffer.isView(value)) return new Float32Array(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' || typeof value === 'bigint') return Float32Array.of(Number(value));
  throw new Error(`${where}: unsupported data type`);
}

/** Reads the Normalization layer (mean, variance) a Keras EfficientNet file carries, or Keras' ImageNet defaults. */
function preprocessingFrom(root: H5Group, layerNames: string[], fileName: string): KerasPreprocessing {
  for (const name of layerNames) {
    const layer = readFileLayer(root, name, fileName);
    const keys = layer.names.map(shortWeightName);
    const mi = keys.indexOf('mean');
    const vi = keys.indexOf('variance');
    if (mi < 0 || vi < 0) continue;
    const mean = toFloat32(layer.datasets[mi].value, `${fileName}:${name}/mean`);
    const variance = toFloat32(layer.datasets[vi].value, `${fileName}:${name}/variance`);
    if (mean.length !== 3 || variance.length !== 3) continue;
    // Keras' ImageNet EfficientNet files store the ImageNet *standard deviation* as the
    // Normalization variance, and keras/applications/efficientnet.py adds a
    // Rescaling(1/sqrt(stddev)) after it to compensate (tensorflow#49930): the
    // effective divisor is then the stored value itself, not its square root.
    const storesStd = [...variance].every((v, i) => Math.abs(v - IMAGENET_STD[i]) < 1e-3);
    const std = [...variance].map((v) => (storesStd ? v : Math.sqrt(v))) as [number, number, number];
    return { scale: 1 / 255, mean: [...mean] as [number, number, number], std, source: 'file', layer: name };
  }
  return { scale: 1 / 255, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD], source: 'imagenet-default' };
}

/** Reads only the preprocessing a Keras file implies (no model needed). */
export async function readKerasPreprocessing(file: string): Promise<KerasPreprocessing> {
  const lib = await h5();
  const f = openH5(lib, file);
  try {
    const root = openWeightsRoot(f, path.basename(file));
    return preprocessingFrom(root, asStrings(root.attrs['layer_names'].value), path.basename(file));
  } finally {
    closeH5(f);
  }
}

/** Each layer with weights in a Keras file, and its weights' short names and shapes (no values read). */
export async function readKerasLayerShapes(file: string): Promise<Map<string, { name: string; shape: number[] }[]>> {
  const lib = await h5();
  const fileName = path.basename(file);
  const f = openH5(lib, file);
  try {
    const root = openWeightsRoot(f, fileName);
    const layers = new Map<string, { name: string; shape: number[] }[]>();
    for (const name of asStrings(root.attrs['layer_names'].value)) {
      const layer = readFileLayer(root, name, fileName);
      if (layer.names.length === 0) continue;
      layers.set(name, layer.names.map((n, i) => ({ name: shortWeightName(n), shape: [...(layer.datasets[i].shape ?? [])] })));
    }
    return layers;
  } finally {
    closeH5(f);
  }
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 puts its signature at 0, 512, 1024, 2048, ... (after an optional user block). */
function hasHdf5Signature(file: string): boolean {
  const fd = openForReading(file); // a FIFO must not block, nor reach h5wasm
  try {
    const size = checkRegularFile(fd, file, 'package');
    const buf = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, buf, 0, 8, at);
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

type H5File = InstanceType<typeof h5wasm.File>;
const memPaths = new WeakMap<H5File, string>();

/** Refuses a file with an external link anywhere in it (Keras never writes one), naming the file, the link and its target. */
function refuseExternalLinks(f: H5File, file: string): void {
  const udlink = h5mod.Module.H5G_UDLINK;
  for (const p of f.paths()) {
    const at = p.startsWith('/') ? p : `/${p}`;
    if (f.get_type(at) !== udlink) continue;
    let target = 'another file';
    try {
      const link = f.get_external_link(at);
      target = `"${link.filename}" ${link.obj_path}`.slice(0, 300);
    } catch {
      // a user-defined link of another kind
    }
    throw new Error(`${file}: the HDF5 link "${at.slice(0, 200)}" points outside the file (to ${target}); Keras weights files hold no external links, so Lumen does not follow them`);
  }
}

/** Opens a copy of `file` in h5wasm's in-memory file system: nothing it holds can reach another host file. */
function openH5(lib: typeof h5wasm, file: string): H5File {
  if (!existsSync(file)) throw new Error(`Keras weights file not found: ${file}`);
  if (!hasHdf5Signature(file)) throw new Error(`${file}: not an HDF5 file (no HDF5 signature); Keras weights are .h5 files`);
  const fs = memFs();
  const mem = `${MEM_DIR}/in-${++memSeq}.h5`;
  fs.writeFile(mem, readRegularFile(file, 'package'));
  let f: H5File;
  try {
    f = new lib.File(mem, 'r');
  } catch (err) {
    fs.unlink(mem);
    throw new Error(`${file}: cannot be opened as HDF5 (${errorMessage(err).replaceAll(mem, path.basename(file))})`);
  }
  memPaths.set(f, mem);
  try {
    refuseExternalLinks(f, file);
  } catch (err) {
    closeH5(f);
    throw err;
  }
  return f;
}

function closeH5(f: H5File): void {
  try {
    f.close();
  } finally {
    const mem = memPaths.get(f);
    if (mem) memFs().unlink(mem);
  }
}

/**
 * Sets `model`'s weights from a Keras .h5 file, matching layers by name and
 * weights by their short names (kernel, bias, gamma, ...). Head layers are
 * skipped (and reported) when the file lacks them or has another class count;
 * any other missing layer or shape mismatch is an error naming the layer and
 * both shapes. Nothing is changed in the model when an error is thrown.
 */
export async function loadKerasH5Weights(model: tf.LayersModel, file: string, options: H5ImportOptions = {}): Promise<H5ImportReport> {
  const lib = await h5();
  const fileName = path.basename(file);
  const f = openH5(lib, file);
  const head = new Set(options.headLayers ?? defaultHeadLayers(model));
  const pending: { layer: tf.layers.Layer; values: tf.Tensor[] }[] = [];
  try {
    const root = openWeightsRoot(f, fileName);
    const fileLayers = asStrings(root.attrs['layer_names'].value);
    const inFile = new Set(fileLayers);
    const report: H5ImportReport = {
      file,
      kerasVersion: 'keras_version' in root.attrs ? asStrings(root.attrs['keras_version'].value)[0] : undefined,
      backend: 'backend' in root.attrs ? asStrings(root.attrs['backend'].value)[0] : undefined,
      loaded: [],
      skipped: [],
      unused: [],
      preprocessing: preprocessingFrom(root, fileLayers, fileName),
    };
    const modelLayers = new Set(model.layers.map((l) => l.name));
    for (const name of fileLayers) {
      if (!modelLayers.has(name) && readFileLayer(root, name, fileName).names.length > 0) report.unused.push(name);
    }

    for (const layer of model.layers) {
      if (layer.weights.length === 0) continue;
      if (!inFile.has(layer.name)) {
        if (head.has(layer.name)) {
          report.skipped.push({ layer: layer.name, reason: 'not in the file (a file without the top)' });
          continue;
        }
        throw new Error(`${fileName}: layer "${layer.name}" of the model is not in the file (is it for another variant?)`);
      }
      const fl = readFileLayer(root, layer.name, fileName);
      const byName = new Map(fl.names.map((n, i) => [shortWeightName(n), fl.datasets[i]]));
      const values: tf.Tensor[] = [];
      let headMismatch: string | undefined;
      for (const w of layer.weights) {
        const key = modelWeightKey(w);
        const d = byName.get(key);
        if (!d) {
          values.forEach((v) => v.dispose());
          throw new Error(`${fileName}: layer "${layer.name}" has no weight "${key}" in the file (found: ${fl.names.join(', ') || 'none'})`);
        }
        const found = d.shape ?? [];
        const expected = w.shape;
        if (found.length !== expected.length || found.some((s, i) => s !== expected[i])) {
          if (head.has(layer.name)) {
            headMismatch = `weight "${key}" is ${shapeText(found)} in the file, the model's head needs ${shapeText(expected)} (another class count)`;
            break;
          }
          values.forEach((v) => v.dispose());
          throw new Error(`${fileName}: layer "${layer.name}" weight "${key}": expected shape ${shapeText(expected)}, found ${shapeText(found)}`);
        }
        values.push(tfc.tensor(toFloat32(d.value, `${fileName}:${layer.name}/${key}`), expected as number[], 'float32'));
      }
      if (headMismatch) {
        values.forEach((v) => v.dispose());
        report.skipped.push({ layer: layer.name, reason: headMismatch });
        continue;
      }
      pending.push({ layer, values });
    }
    // Only now, with every layer checked, touch the model.
    for (const { layer, values } of pending) {
      layer.setWeights(values);
      report.loaded.push(layer.name);
    }
    return report;
  } finally {
    for (const { values } of pending) values.forEach((v) => v.dispose());
    closeH5(f);
  }
}

/** A string-array attribute as h5py writes Keras' (fixed-length ASCII, 'S<n>'), empty arrays included. */
function writeStrings(g: H5Group, name: string, list: string[]): void {
  const width = Math.max(1, ...list.map((s) => Buffer.byteLength(s)));
  g.create_attribute(name, list, [list.length], `S${width}`);
}

export interface H5ExportOptions {
  /** Nest the tree under /model_weights as Keras' full-model saves do. */
  nestUnderModelWeights?: boolean;
  /** Extra layer groups to write (e.g. a Normalization layer's mean/variance/count). */
  extraLayers?: { name: string; weights: { name: string; shape: number[]; data: Float32Array }[] }[];
}

/** Writes `model`'s weights to `file` in Keras 2's .h5 layout (readable by Keras' load_weights and by loadKerasH5Weights). */
export async function saveKerasH5Weights(model: tf.LayersModel, file: string, options: H5ExportOptions = {}): Promise<void> {
  const lib = await h5();
  const mem = `${MEM_DIR}/out-${++memSeq}.h5`;
  const f = new lib.File(mem, 'w');
  let closed = false;
  try {
    let root: H5Group = f;
    if (options.nestUnderModelWeights) {
      root = f.create_group('model_weights');
    }
    const extra = options.extraLayers ?? [];
    const layerNames = [...extra.map((e) => e.name), ...model.layers.map((l) => l.name)];
    writeStrings(root, 'layer_names', layerNames);
    root.create_attribute('backend', 'tensorflow');
    // Keras treats a file without keras_version as Keras 1 and converts kernels; this layout is Keras 2's.
    root.create_attribute('keras_version', '2.15.0');
    root.create_attribute('generated_by', 'lumen');
    const writeLayer = (name: string, weights: { name: string; shape: number[]; data: Float32Array }[]) => {
      const g = root.create_group(name);
      const names = weights.map((w) => `${name}/${w.name}:0`);
      writeStrings(g, 'weight_names', names);
      if (!weights.length) return;
      const sub = g.create_group(name);
      for (const w of weights) sub.create_dataset({ name: `${w.name}:0`, data: w.data, shape: w.shape, dtype: '<f4' });
    };
    for (const e of extra) writeLayer(e.name, e.weights);
    for (const layer of model.layers) {
      writeLayer(
        layer.name,
        layer.weights.map((w) => ({ name: modelWeightKey(w), shape: w.shape as number[], data: w.read().dataSync() as Float32Array })),
      );
    }
    f.close();
    closed = true;
    writeFileSync(file, memFs().readFile(mem));
  } finally {
    if (!closed) f.close();
    memFs().unlink(mem);
  }
}
