// A model package is a folder:
//   metadata.json           what the model is (see metadata.ts)
//   model.json + group1-shard*of*.bin   the TF.js layers model (NHWC), for training and TF.js inference
//   model.onnx              the same model exported for ONNX Runtime (NCHW)
//   ensemble.bin, series-head.bin   optional heads (format 2: see FORMAT_2_PARTS in metadata.ts)
// It is written crash-safely (a temp folder beside the target, its files flushed to
// disk, then one rename; a leftover temp is never listed as a package) and verified
// on load (schema, files, content hash, shapes).
import type * as tf from '@tensorflow/tfjs';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileReadError, readRegularFile, readRegularText } from '../../common/node/read-file';
import { assertInside, ensurePrivateDir, namingFile, PRIVATE_DIR_MODE, removeInside, replaceInside, sealDir } from '../../common/node/safe-fs';
import { APP_VERSION } from '../../common/version';
import { isVariantName } from '../efficientnet/variants';
import { exportOnnx } from '../onnx/export';
import { onnxProblem } from '../onnx/external-data';
import { MODEL_JSON, loadTfjsModel, saveTfjsModel } from '../weights/tfjs-format';
import { format2Parts, formatVersionFor, MetadataSchema, PACKAGE_FORMAT_VERSION, type PackageMetadata, type PackageMetadataInput } from './metadata';
import { errorLine } from '../../common/errors';
import { issueWords } from '../../common/issue-words';
import type { z } from 'zod';
import { domainFileProblem } from './domain';
import { weightShapesProblem } from './weight-shapes';
import { placeKeepingEarlier } from './versions';

export const METADATA_JSON = 'metadata.json';
export const MODEL_ONNX = 'model.onnx';
/** What replaceInside may replace when a package is overwritten: only another package. */
export const PACKAGE_FOLDER = { file: METADATA_JSON, what: 'a model package' };

/**
 * A folder that savePackage or an import left behind when the process died between
 * writing and renaming (`<name>.partial-<pid>-<hex>`, `<name>.old-<pid>-<hex>`): never a package.
 */
export function isUnfinishedPackage(name: string): boolean {
  return /\.(partial|old)-\d+-[0-9a-f]{8}$/.test(name);
}

/** A package problem the user can act on; `message` says what is wrong and with which file. */
export class PackageError extends Error {
  constructor(readonly dir: string, message: string) {
    super(`Model package ${dir}: ${message}`);
  }
}

/** JSON with object keys sorted, so the same metadata always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The content hash: SHA-256 over, in order, the canonical JSON of the metadata
 * without `contentHash`, then every other file of the package sorted by name,
 * each as `name \0 byteLength \0 bytes`. Changing any byte of any file, or any
 * metadata field, changes it.
 */
export function contentHash(dir: string, metadata: Omit<PackageMetadata, 'contentHash'> & { contentHash?: string }): string {
  const h = createHash('sha256');
  const { contentHash: _ignored, ...rest } = metadata;
  h.update(canonicalJson(rest));
  for (const name of packageFiles(dir)) {
    const bytes = readRegularFile(path.join(dir, name), 'package');
    h.update(`\0${name}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest('hex');
}

/** The package's files other than metadata.json, sorted. */
function packageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n !== METADATA_JSON && statSync(path.join(dir, n)).isFile())
    .sort();
}

export interface SavePackageOptions {
  /** The ONNX bytes to store; exported from `model` when omitted. */
  onnx?: Uint8Array;
  /** Replace an existing package at `dir` (atomically: the old one stays until the new one is complete). */
  overwrite?: boolean;
  /**
   * With overwrite: keep the package already at `dir` as an earlier version (versions.ts) instead of
   * deleting it; called with the folder it went to.
   */
  keepEarlier?: (earlierDir: string) => void;
  /** More files of the package by name (e.g. ensemble.bin), hashed with the others. */
  files?: Record<string, Uint8Array>;
}

/** Writes a package folder atomically and returns the metadata written (with its content hash). */
export async function savePackage(dir: string, model: tf.LayersModel, input: PackageMetadataInput, options: SavePackageOptions = {}): Promise<PackageMetadata> {
  const target = path.resolve(dir);
  // The folder the package is named in, before ".." is resolved: the only place it may be written or replaced.
  const parent = path.dirname(dir);
  assertInside(parent, target, 'write a model package to');
  if (existsSync(target) && !options.overwrite) throw new PackageError(target, 'already exists (pass overwrite to replace it)');
  const inputShape = model.inputs[0].shape;
  if (inputShape[1] !== input.inputSize || inputShape[2] !== input.inputSize) {
    throw new PackageError(target, `metadata inputSize ${input.inputSize} does not match the model's input ${JSON.stringify(inputShape)}`);
  }
  const units = outputUnits(model.outputs[0].shape);
  if (units !== undefined && units !== input.classNames.length) {
    throw new PackageError(target, `${input.classNames.length} class names for a model with ${units} output units`);
  }
  ensurePrivateDir(path.dirname(target), { tighten: false });
  const temp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(temp, { mode: PRIVATE_DIR_MODE });
    await saveTfjsModel(model, temp);
    writeFileSync(path.join(temp, MODEL_ONNX), options.onnx ?? exportOnnx(model, { metadata: { variant: input.variant, classNames: JSON.stringify(input.classNames) } }).bytes);
    for (const [name, bytes] of Object.entries(options.files ?? {})) {
      if (!/^[a-z0-9][a-z0-9._-]*\.bin$/.test(name) || name === METADATA_JSON || name === MODEL_ONNX) throw new PackageError(target, `refusing to write the extra file "${name}"`);
      writeFileSync(path.join(temp, name), bytes);
    }
    const base: Omit<PackageMetadata, 'contentHash'> = {
      ...input,
      // The oldest format with every part this package has: a plain package stays readable by a Lumen that reads only format 1.
      formatVersion: formatVersionFor(input, packageFiles(temp)),
      layout: 'NCHW',
      provenance: {
        createdAt: input.provenance?.createdAt ?? new Date().toISOString(),
        softwareVersion: input.provenance?.softwareVersion ?? `lumen ${APP_VERSION}`,
        ...(input.provenance?.sourceWeights ? { sourceWeights: input.provenance.sourceWeights } : {}),
        ...(input.provenance?.training ? { training: input.provenance.training } : {}),
      },
    };
    // A training-domain record whose domain.bin is missing or does not fit would be refused on load: refused here first.
    const domain = domainFileProblem(temp, base);
    if (domain) throw new PackageError(target, domain);
    const metadata = { ...base, contentHash: contentHash(temp, base) };
    const parsed = MetadataSchema.safeParse(metadata);
    if (!parsed.success) throw new PackageError(target, `invalid metadata: ${describeIssues(parsed.error.issues, metadata)}`);
    writeFileSync(path.join(temp, METADATA_JSON), JSON.stringify(metadata, null, 2) + '\n');
    sealDir(temp);
    if (options.keepEarlier) {
      const earlier = placeKeepingEarlier(parent, temp, target);
      if (earlier) options.keepEarlier(earlier);
    } else {
      replaceInside(parent, temp, target, PACKAGE_FOLDER);
    }
    return metadata;
  } catch (err) {
    removeInside(path.dirname(target), temp);
    // A full disk names the package, not a file in its temporary folder (which is gone).
    throw namingFile(err, target);
  }
}

function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${issueWords(i, raw, 'a model package records it')}`).join('; ');
}

/** A package file that does not parse as JSON: V8's message quotes the file's bytes, so it is not repeated. */
const NOT_JSON = 'is not valid JSON: the file is damaged or was not written by Lumen. Export the package again from the Lumen that trained it';

function outputUnits(shape: (number | null)[]): number | undefined {
  return shape.length === 2 && typeof shape[1] === 'number' ? shape[1] : undefined;
}

export interface LoadedPackage {
  dir: string;
  metadata: PackageMetadata;
  onnxPath: string;
  modelJsonPath: string;
  /** Present when loadPackage was asked to load the TF.js model. */
  model?: tf.LayersModel;
}

/** Reads the TF.js topology's input size and the output layer's units without loading weights. */
function topologyShapes(dir: string, modelJson: any): { inputShape?: (number | null)[]; outputUnits?: number; shards: string[]; layers: any[] } {
  const topo = modelJson?.modelTopology;
  const config = (topo?.model_config ?? topo)?.config;
  if (!config || !Array.isArray(config.layers)) throw new PackageError(dir, `${MODEL_JSON} has no layers model topology`);
  const layers: any[] = config.layers;
  const input = layers.find((l) => l?.class_name === 'InputLayer');
  const outName = config.output_layers?.[0]?.[0];
  const out = layers.find((l) => l?.name === outName);
  // The weights manifest: a list of groups, each naming its files; anything else is no TF.js model's.
  const manifest: unknown = modelJson.weightsManifest ?? [];
  const groups = Array.isArray(manifest) ? manifest : [null];
  const shards: string[] = [];
  for (const group of groups) {
    const paths: unknown = group?.paths;
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new PackageError(dir, `${MODEL_JSON} has a damaged weights manifest (each group must list its weight files by name)`);
    shards.push(...(paths as string[]));
  }
  return {
    inputShape: input?.config?.batch_input_shape,
    outputUnits: out?.class_name === 'Dense' ? out.config.units : undefined,
    shards,
    layers,
  };
}

/** "version 1", "versions 1 and 2", "versions 1 to 3": the format versions a Lumen reading up to `newest` reads. */
function readableVersions(newest: number): string {
  return newest === 1 ? 'version 1' : newest === 2 ? 'versions 1 and 2' : `versions 1 to ${newest}`;
}

/**
 * Why a package's metadata.json (parsed, not yet validated) cannot be read by a Lumen that
 * reads format versions 1 to `newest` (this one's by default), or null when it can. A package
 * from a newer Lumen says which Lumen made it.
 */
export function formatVersionProblem(raw: unknown, newest: number = PACKAGE_FORMAT_VERSION): string | null {
  const meta = (typeof raw === 'object' && raw !== null ? raw : {}) as { formatVersion?: unknown; provenance?: { softwareVersion?: unknown } };
  const version = meta.formatVersion;
  if (typeof version === 'number' && Number.isInteger(version) && version >= 1 && version <= newest) return null;
  if (typeof version === 'number' && Number.isInteger(version) && version > newest) {
    // The file is untrusted: name its maker only when that looks like a version.
    const by = typeof meta.provenance?.softwareVersion === 'string' ? meta.provenance.softwareVersion.replace(/^lumen\s+/i, '') : '';
    const maker = /^[\w.+-]{1,40}$/.test(by) ? `Lumen ${by}, ` : '';
    return `made by a newer Lumen (${maker}package format version ${version}); this Lumen ${APP_VERSION} reads package format ${readableVersions(newest)}. Update Lumen to open it.`;
  }
  if (version === undefined) return `${METADATA_JSON} has no formatVersion: it is not a Lumen model package, or it is damaged; re-export the package`;
  // The file's own value, repeated only when it is short: it could be anything.
  const shown = JSON.stringify(version);
  const what = shown !== undefined && shown.length <= 24 ? shown : `of type ${Array.isArray(version) ? 'list' : version === null ? 'null' : typeof version}`;
  return `unsupported formatVersion ${what}: this version of Lumen reads package format ${readableVersions(newest)}; update Lumen or re-export the package`;
}

/**
 * What to say of a package stamped with an older format than its parts need whose content hash
 * does not match, or null: a format-1 package with ensemble.bin dropped in beside it (say) was
 * altered, and naming the part says more than "content hash mismatch". Earlier builds of Lumen
 * wrote heads and calibration into format-1 packages; where the hash matches, those open.
 */
export function formatPartsProblem(metadata: PackageMetadata, files: readonly string[]): string | null {
  const parts = format2Parts(metadata, files);
  if (metadata.formatVersion >= 2 || parts.length === 0) return null;
  return `${METADATA_JSON} says package format version ${metadata.formatVersion}, but the package has ${parts.join(' and ')}, which that format does not have, and its content hash does not match: the package was altered or is corrupt. Lumen does not open it; train or export the model again.`;
}

/**
 * Why TF.js could not build the package's model, in Lumen's words: which file is wrong and how,
 * with TF.js's own first line only where it names the shapes or values (e.g. "Shape mismatch…").
 */
function tfjsLoadProblem(err: unknown): string {
  const detail = errorLine(err, 200);
  const weights = /shape|size|values|bytes|buffer|tensor|weight/i.test(detail);
  const what = weights
    ? `the weights in its weight files do not fit the layers ${MODEL_JSON} describes (TF.js: ${detail})`
    : `${MODEL_JSON} does not describe a model TF.js can build`;
  return `${what}; the package is damaged or was not written by Lumen. Export it again from the library it came from.`;
}

/**
 * Opens a package folder and verifies it: metadata schema and format version,
 * every file present, the content hash, the variant, and the shapes (input size
 * and class count against the model). Each failure says what is wrong.
 */
export async function loadPackage(dir: string, options: { loadModel?: boolean } = {}): Promise<LoadedPackage> {
  const root = path.resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new PackageError(root, 'not found (expected a folder with metadata.json, model.json and model.onnx)');
  // Lumen writes no links into a package: one would make the checks below read a file elsewhere.
  const link = readdirSync(root).find((name) => lstatSync(path.join(root, name)).isSymbolicLink());
  if (link) throw new PackageError(root, `${link} is a link; a model package holds only its own files. Copy the file into the package instead.`);
  const metaPath = path.join(root, METADATA_JSON);
  if (!existsSync(metaPath)) throw new PackageError(root, `missing file ${METADATA_JSON}`);
  let raw: any;
  try {
    raw = JSON.parse(readRegularText(metaPath, 'json'));
  } catch (err) {
    if (err instanceof FileReadError) throw new PackageError(root, `${METADATA_JSON} ${err.reason}`);
    throw new PackageError(root, `${METADATA_JSON} ${NOT_JSON}`);
  }
  const versionProblem = formatVersionProblem(raw);
  if (versionProblem) throw new PackageError(root, versionProblem);
  const parsed = MetadataSchema.safeParse(raw);
  if (!parsed.success) throw new PackageError(root, `invalid ${METADATA_JSON}: ${describeIssues(parsed.error.issues, raw)}`);
  const metadata = parsed.data;

  for (const required of [MODEL_JSON, MODEL_ONNX]) {
    if (!existsSync(path.join(root, required))) throw new PackageError(root, `missing file ${required}`);
  }
  let modelJson: any;
  try {
    modelJson = JSON.parse(readRegularText(path.join(root, MODEL_JSON), 'json'));
  } catch (err) {
    if (err instanceof FileReadError) throw new PackageError(root, `${MODEL_JSON} ${err.reason}`);
    throw new PackageError(root, `${MODEL_JSON} ${NOT_JSON}`);
  }
  const shapes = topologyShapes(root, modelJson);
  for (const shard of shapes.shards) {
    if (shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) throw new PackageError(root, `${MODEL_JSON} names a weight file outside the package: ${shard}`);
    if (!existsSync(path.join(root, shard))) throw new PackageError(root, `missing file ${shard} (a weight shard listed in ${MODEL_JSON})`);
  }

  const actual = contentHash(root, metadata);
  if (actual !== metadata.contentHash) {
    // A format-1 package with heads or calibration whose hash matches was written by an earlier
    // build of Lumen, before format 2 existed: it opens. One whose hash does not is named by the part.
    const partsProblem = formatPartsProblem(metadata, packageFiles(root));
    if (partsProblem) throw new PackageError(root, partsProblem);
    throw new PackageError(root, `content hash mismatch: ${METADATA_JSON} says ${metadata.contentHash}, the files hash to ${actual}; the package was modified or is corrupt`);
  }

  // The hash proves the files are intact, not who made them: a model.onnx that sends ONNX Runtime
  // to read another file (external data) is refused before ONNX Runtime sees it.
  const onnx = onnxProblem(readRegularFile(path.join(root, MODEL_ONNX), 'package'));
  if (onnx) throw new PackageError(root, `${MODEL_ONNX} ${onnx}`);
  // Likewise a training-domain density whose sizes or values do not fit what metadata.json says.
  const domain = domainFileProblem(root, metadata);
  if (domain) throw new PackageError(root, domain);
  // And a model.json whose weight shapes do not fit its weight files or its layers (hash recomputed): refused here, not at the first heatmap.
  const weights = weightShapesProblem(root, modelJson, shapes.layers);
  if (weights) throw new PackageError(root, weights);

  if (!isVariantName(metadata.variant) && !metadata.variant.startsWith('custom-')) {
    throw new PackageError(root, `unknown variant "${metadata.variant}" (known: b0..b7, v2-s, v2-m, v2-l, custom-…)`);
  }
  const [, h, w] = shapes.inputShape ?? [];
  if (h !== metadata.inputSize || w !== metadata.inputSize) {
    throw new PackageError(root, `inputSize ${metadata.inputSize} in ${METADATA_JSON} but the model takes ${h}x${w}`);
  }
  if (shapes.outputUnits !== undefined && shapes.outputUnits !== metadata.classNames.length) {
    throw new PackageError(root, `${metadata.classNames.length} class names in ${METADATA_JSON} but the model has ${shapes.outputUnits} output units`);
  }

  const loaded: LoadedPackage = { dir: root, metadata, onnxPath: path.join(root, MODEL_ONNX), modelJsonPath: path.join(root, MODEL_JSON) };
  if (options.loadModel) {
    try {
      loaded.model = await loadTfjsModel(root);
    } catch (err) {
      throw new PackageError(root, tfjsLoadProblem(err));
    }
  }
  return loaded;
}
