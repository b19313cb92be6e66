import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildEfficientNet, copyWeights, getVariant, isVariantName, VARIANT_NAMES } from '../../models';
import { exportOnnx } from '../../models/onnx/export';
import { makeDirs, namingFile, removeInside, replaceInside, undoCreatedOnFailure } from '../../common/node/safe-fs';
import { checkUserPath } from '../../common/node/user-path';
import { loadPackage, savePackage, type PackageMetadataInput, type Preprocessing } from '../../models/package';
import { IMAGENET_MEAN, IMAGENET_STD, identifyWeightsFile, loadKerasH5Weights, saveTfjsModel } from '../../models/weights';
import { Library } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson, UsageError } from './command';
import { handles as handlesResults, RESULTS_USAGE, run as runResults } from './export-results';

const FORMATS = ['onnx', 'tfjs', 'package'] as const;
type Format = (typeof FORMATS)[number];

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = decimalNumber(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got "${value}"`, 2);
  return n;
}

/** Writes with a temp name beside the target and one rename, so a failure leaves no half-written file. */
function writeFileAtomic(file: string, bytes: Uint8Array): void {
  makeDirs(path.dirname(file), 0o777);
  const temp = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temp, bytes);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw namingFile(err, file);
  }
}

export const command: Command = {
  summary: 'Export an EfficientNet (random, Keras .h5 or a model package\'s weights) as ONNX, TF.js layers format or a model package; or the library\'s results as DICOM SR and Parametric Maps, de-identified copies, or CSV/JSON tables.',
  usage: [
    'lumen export --variant <name> [--weights <file.h5|package dir>] [--classes N] [--class-names a,b,...]',
    '             [--resolution R] --format onnx|tfjs|package --out <path> [--name <text>] [--overwrite] [--library <dir>] [--json]',
    '',
    `  --variant     ${VARIANT_NAMES.join(', ')} (with --weights <package>, defaults to the package's)`,
    '  --weights     Keras .h5 weights (by layer name; the hash is checked against Keras\' published files)',
    '                or a model package folder. Without it the weights are random (Keras initialisers).',
    '  --classes     classes of the top (default: 1000, or the package\'s); a .h5 head of another size is skipped',
    '  --resolution  square input size (default: the variant\'s native resolution)',
    '  --format      onnx: one .onnx file, input "input" NCHW [batch,3,R,R], outputs "probabilities" and "features";',
    '                tfjs: a folder with model.json + weight shards (NHWC); package: a Lumen model package folder',
    '  --library     the library whose audit log records the export (default: the data folder\'s)',
    'The exported graph takes the already-normalised image; the normalisation goes into the package metadata.',
    '',
    RESULTS_USAGE,
  ].join('\n'),
  async run(argv) {
    // Results, tables and de-identified copies have their own options (export-results.ts).
    if (handlesResults(argv)) return runResults(argv);
    if (argv.length === 0) {
      throw new UsageError('name what to export: a model (--variant b0 --format onnx|tfjs|package --out <path>), results (--results <UID> --out <folder>), de-identified copies (--deidentify <UID> --out <folder>) or a table (--csv|--json predictions|labels|measurements --out <file>).');
    }
    const { values } = parseCommandArgs(argv, {
      variant: { type: 'string' },
      weights: { type: 'string' },
      classes: { type: 'string' },
      'class-names': { type: 'string' },
      resolution: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      overwrite: { type: 'boolean' },
      library: { type: 'string' },
      json: { type: 'boolean' },
    });
    const format = values.format as Format | undefined;
    if (!format || !FORMATS.includes(format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`, 2);
    if (values.out === undefined) throw new CliError('--out <path> is required', 2);
    const out = checkUserPath(values.out, format === 'onnx' ? 'output-file' : 'output-folder', '--out');
    if (values.library !== undefined) checkUserPath(values.library, 'library', '--library');
    if (existsSync(out) && !values.overwrite) throw new CliError(`${out} already exists (pass --overwrite to replace it)`);
    const resolutionArg = positiveInt(values.resolution, '--resolution');
    let classes = positiveInt(values.classes, '--classes');
    let classNames = values['class-names']?.split(',').map((s) => s.trim()).filter(Boolean);
    if (classNames && classes !== undefined && classNames.length !== classes) {
      throw new CliError(`--class-names lists ${classNames.length} names but --classes is ${classes}`, 2);
    }
    classes ??= classNames?.length;

    tf.enableProdMode(); // no TF.js banner on stderr (as in lumen models)
    await tf.setBackend('cpu');
    let model: tf.LayersModel;
    let variant = values.variant;
    let preprocessing: Preprocessing = { scale: 1 / 255, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] };
    let preprocessingSource = 'Keras ImageNet defaults (no weights file)';
    let sourceWeights: { file: string; sha256: string } | undefined;
    const weightsInfo: Record<string, unknown> = { source: 'random' };
    const notes: string[] = [];
    let task: PackageMetadataInput['task'] = 'multiclass';

    const weights = values.weights !== undefined ? checkUserPath(values.weights, 'file-or-folder', '--weights') : undefined;

    if (weights && statSync(weights).isDirectory()) {
      const pkg = await loadPackage(weights, { loadModel: true });
      const source = pkg.model!;
      if (variant && variant !== pkg.metadata.variant) throw new CliError(`--variant ${variant} but the package is ${pkg.metadata.variant}`, 2);
      variant = pkg.metadata.variant;
      if (classes !== undefined && classes !== pkg.metadata.classNames.length) {
        throw new CliError(`--classes ${classes} but the package has ${pkg.metadata.classNames.length} classes`, 2);
      }
      classNames ??= pkg.metadata.classNames;
      preprocessing = pkg.metadata.preprocessing;
      preprocessingSource = `package ${path.basename(weights)}`;
      task = pkg.metadata.task;
      sourceWeights = pkg.metadata.provenance.sourceWeights;
      const resolution = resolutionArg ?? pkg.metadata.inputSize;
      if (resolution === pkg.metadata.inputSize) model = source;
      else {
        if (!isVariantName(variant)) throw new CliError(`cannot rebuild custom variant "${variant}" at another resolution`);
        model = buildEfficientNet(variant, { inputSize: resolution, classes: pkg.metadata.classNames.length, init: 'zeros' });
        copyWeights(source, model);
        source.dispose();
      }
      Object.assign(weightsInfo, { source: 'package', dir: weights, contentHash: pkg.metadata.contentHash });
    } else {
      if (!variant) throw new CliError('--variant <name> is required', 2);
      if (!isVariantName(variant)) throw new CliError(`unknown variant "${variant}"; known: ${VARIANT_NAMES.join(', ')}`, 2);
      const spec = getVariant(variant);
      const resolution = resolutionArg ?? spec.resolution;
      model = buildEfficientNet(variant, { inputSize: resolution, classes: classes ?? 1000, init: weights ? 'zeros' : 'keras', seed: weights ? undefined : 0 });
      if (weights) {
        const identity = await identifyWeightsFile(weights);
        const report = await loadKerasH5Weights(model, weights);
        preprocessing = { scale: report.preprocessing.scale, mean: report.preprocessing.mean, std: report.preprocessing.std };
        preprocessingSource = report.preprocessing.source === 'file'
          ? `Normalization layer "${report.preprocessing.layer}" in ${path.basename(weights)}`
          : `Keras ImageNet defaults (${path.basename(weights)} has no Normalization layer)`;
        sourceWeights = { file: path.basename(weights), sha256: identity.sha256 };
        Object.assign(weightsInfo, {
          source: 'keras-h5',
          file: weights,
          md5: identity.md5,
          sha256: identity.sha256,
          knownFile: identity.match?.file ?? null,
          check: identity.message,
          skipped: report.skipped,
        });
        for (const s of report.skipped) notes.push(`layer ${s.layer} left random: ${s.reason}`);
      } else {
        notes.push('no --weights: the weights are random (Keras initialisers, seed 0)');
      }
    }

    const units = model.outputs[0].shape[1] as number;
    classNames ??= Array.from({ length: units }, (_, i) => `class_${i}`);
    const inputSize = model.inputs[0].shape[1] as number;
    let bytes: number | undefined;
    let outputs: { name: string; shape: (string | number)[] }[] | undefined;
    // The package written, else the package the weights came from (ONNX and TF.js exports have no hash of their own).
    let packageHash = typeof weightsInfo.contentHash === 'string' ? weightsInfo.contentHash : null;

    // A failure (a graph that cannot be exported, a package its checks refuse, a full disk)
    // leaves nothing behind: no half file, no folder this command made for --out.
    await undoCreatedOnFailure(out, async () => {
      if (format === 'onnx') {
        const result = exportOnnx(model, { metadata: { variant: variant!, classNames: JSON.stringify(classNames), preprocessing: JSON.stringify(preprocessing) } });
        writeFileAtomic(out, result.bytes);
        bytes = result.bytes.length;
        outputs = result.outputs;
      } else if (format === 'tfjs') {
        const temp = `${out}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
        try {
          // The TF.js format has no preprocessing of its own: record it (and the layout) in model.json.
          await saveTfjsModel(model, temp, { lumen: { variant, inputSize, layout: 'NHWC', classNames, preprocessing } });
          replaceInside(path.dirname(out), temp, out, { file: 'model.json', what: 'a TF.js model folder' });
        } catch (err) {
          removeInside(path.dirname(out), temp);
          throw err;
        }
      } else {
        const result = exportOnnx(model, { metadata: { variant: variant!, classNames: JSON.stringify(classNames) } });
        outputs = result.outputs;
        const written = await savePackage(
          out,
          model,
          {
            name: values.name ?? `EfficientNet-${variant!.toUpperCase()} ${classNames.length} classes`,
            variant: variant!,
            inputSize,
            preprocessing,
            classNames,
            task,
            provenance: sourceWeights ? { sourceWeights } : {},
          },
          { onnx: result.bytes, overwrite: values.overwrite },
        );
        packageHash = written.contentHash;
      }
    });
    model.dispose();
    const unaudited = Library.audit(path.resolve(values.library ?? defaultLibraryDir()), 'export', { packageHash, variant, runtime: 'tfjs cpu', touched: { files: [...(weights ? [weights] : []), out] }, format, weights: weightsInfo.source });

    const summary = {
      format,
      out,
      variant,
      inputSize,
      classes: classNames.length,
      onnx: format === 'tfjs' ? undefined : { input: { name: 'input', layout: 'NCHW', shape: ['batch', 3, inputSize, inputSize] }, outputs },
      tfjs: format === 'onnx' ? undefined : { layout: 'NHWC', shape: ['batch', inputSize, inputSize, 3] },
      preprocessing: { ...preprocessing, source: preprocessingSource },
      weights: weightsInfo,
      bytes,
      notes: unaudited ? [...notes, unaudited] : notes,
    };
    if (values.json) printJson(summary);
    else {
      process.stdout.write(`Wrote ${format} ${out} (EfficientNet ${variant}, ${inputSize}x${inputSize}, ${classNames.length} classes)\n`);
      process.stdout.write(`Preprocessing (${preprocessingSource}): x * ${preprocessing.scale.toPrecision(6)}, mean ${preprocessing.mean.join(', ')}, std ${preprocessing.std.join(', ')}\n`);
      if (typeof weightsInfo.check === 'string') process.stdout.write(`${weightsInfo.check}\n`);
      for (const n of summary.notes) process.stdout.write(`Note: ${n}\n`);
    }
    return 0;
  },
};
