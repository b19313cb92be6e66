// The training stack (TF.js, ONNX Runtime, the library) is imported in run() once the arguments
// passed their checks: a refused call costs what `lumen --version` does.
import { parseVariant } from '../../models/efficientnet/variants';
import { defaultDataDir } from '../library/paths';
import { randomBackboneWarning } from '../../common/training-advice';
import { headlineText } from '../../common/metric-words';
import { thresholdRule } from '../../common/threshold-words';
import type { KeptEarlier, TrainMode, TrainOptions } from '../training/train';
import { OtherCheckpointError } from '../training/checkpoint';
import { evaluationLines, levelLines } from '../../models/training/levels';
import { SERIES_HIGH_MINIMUM } from '../../models/training/series-ensemble';
import { domainSummary, type DomainMetadata } from '../../models/package/domain';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { labelRowsText } from './label-use';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import { errorMessage } from '../../common/errors';
import { checkUserPath } from '../../common/node/user-path';
import { undoCreatedOnFailure } from '../../common/node/safe-fs';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { existsSync } from 'node:fs';
import path from 'node:path';

function num(value: string | undefined, name: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = decimalNumber(value);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) throw new CliError(`--${name} must be ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got "${value}".`, 2);
  return n;
}

/**
 * What the validation series say of the uncertainty heads: their mean and where "high" starts; with
 * fewer than SERIES_HIGH_MINIMUM of them no 95th percentile is kept (p95 null), as the model card says.
 */
function validationUncertaintyText(v: { n: number; mean: number; p95: number | null }): string {
  if (!v.n) return 'on the validation series none (no reference for high)';
  if (v.p95 === null) return `on the ${v.n} validation series mean ${v.mean.toFixed(3)}; fewer than the ${SERIES_HIGH_MINIMUM} a 95th percentile needs, so no series is called high or usual`;
  return `on the ${v.n} validation series mean ${v.mean.toFixed(3)}, high above ${v.p95.toFixed(3)}`;
}

export const command: Command = {
  summary: 'Train a classifier on labelled library images (head on cached backbone features, or a tiny network from scratch) and write a model package.',
  usage:
    'lumen train [--library <dir>] [--labels <csv> | --label-folders <dir>] --variant <b0..b7|v2-s|custom-phi-10> --out <pkg> [--resolution R] [--epochs N] [--seed S] [--level image|series] [--from-scratch | --fine-tune] [--no-progressive] [--window <preset>] [--no-augment] [--backbone <pkg> | --imagenet] [--intended-use <text>] [--backend cpu|wasm|webgpu|tensorflow] [--overwrite] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      library: { type: 'string' },
      labels: { type: 'string' },
      'label-folders': { type: 'string' },
      variant: { type: 'string' },
      out: { type: 'string' },
      resolution: { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      patience: { type: 'string' },
      seed: { type: 'string' },
      'from-scratch': { type: 'boolean' },
      'fine-tune': { type: 'boolean' },
      window: { type: 'string' },
      'no-augment': { type: 'boolean' },
      'no-progressive': { type: 'boolean' },
      backbone: { type: 'string' },
      imagenet: { type: 'boolean' },
      'intended-use': { type: 'string' },
      name: { type: 'string' },
      backend: { type: 'string' },
      overwrite: { type: 'boolean' },
      'no-resume': { type: 'boolean' },
      json: { type: 'boolean' },
      level: { type: 'string' },
    });
    if (!values.out) throw new CliError('--out <package folder> is required.', 2);
    if (!values.variant) throw new CliError('--variant is required (b0..b7, v2-s, v2-m, v2-l, or custom-phi<N> such as custom-phi-10).', 2);
    // Checked before the random-weights warning, which would otherwise come first for a typo.
    try {
      parseVariant(values.variant);
    } catch (err) {
      throw new CliError(`--variant: ${errorMessage(err)}`, 2);
    }
    // Training reads labelled images from a library; a mistyped --library must not leave an empty one behind.
    const libraryDir = existingLibraryDir(values.library);
    checkUserPath(values.out, 'output-folder', '--out');
    // Before labels are imported or anything loads: a name in use needs --overwrite (the earlier package is then kept as a version).
    if (existsSync(values.out) && !values.overwrite) throw new CliError(`${values.out} already exists: pass --overwrite to keep it as an earlier version and write the new one under its name, or choose another --out.`, 2);
    if (values.labels !== undefined) checkUserPath(values.labels, 'file', '--labels');
    if (values['label-folders'] !== undefined) checkUserPath(values['label-folders'], 'folder', '--label-folders');
    const mode: TrainMode = values['from-scratch'] ? 'scratch' : values['fine-tune'] ? 'finetune' : 'head';
    const level = values.level ?? 'image';
    if (level !== 'image' && level !== 'series') throw new CliError(`--level must be image (a classifier of images, trained on each image's label) or series (multiple-instance learning from series labels), got "${level.slice(0, 40)}".`, 2);
    if (level === 'series' && mode !== 'head') throw new CliError('--level series trains an attention head on cached backbone features: leave out --from-scratch and --fine-tune.', 2);
    if (values.imagenet && values.backbone) throw new CliError('--imagenet and --backbone both name the backbone weights: pass one.', 2);
    // A package folder, or an installed package's name, name@<hash prefix> or hash prefix, as --model of eval and predict.
    const backbonePackage = values.backbone === undefined ? undefined : await (await import('./model-packages')).modelFolder(values.backbone, '--backbone');
    const numbers = {
      resolution: num(values.resolution, 'resolution', { int: true, min: 32 }),
      epochs: num(values.epochs, 'epochs', { int: true, min: 1 }),
      batchSize: num(values['batch-size'], 'batch-size', { int: true, min: 1 }),
      learningRate: num(values['learning-rate'], 'learning-rate', { min: 0 }),
      patience: num(values.patience, 'patience', { int: true, min: 0 }),
      seed: num(values.seed, 'seed', { int: true }),
    };
    let backbone = backbonePackage;
    if (values.imagenet) {
      const { imagenetBackbone } = await import('../training/imagenet');
      backbone = imagenetBackbone(defaultDataDir(), values.variant) ?? undefined;
      if (!/^b[0-7]$/.test(values.variant)) throw new CliError(`--imagenet: ImageNet weights exist for b0..b7 only, not ${values.variant}.`, 2);
      if (!backbone) throw new CliError(`--imagenet: no ImageNet weights for ${values.variant} in ${defaultDataDir()}. Import them first: lumen weights import efficientnet${values.variant}_notop.h5 (or lumen weights download ${values.variant}).`, 2);
    }
    // Said before anything runs, and on stderr so that --json output stays clean.
    const warning = randomBackboneWarning(mode, backbone !== undefined);
    if (warning) process.stderr.write(`Warning: ${warning}\n`);
    const [{ initBackend }, { installFastCpuGradients }, { Library }, { importLabelFolders, importLabelsCsvFile }, { trainSeriesClassifier }, { trainClassifier }] = await Promise.all([
      import('../../models/runtime'),
      import('../../models/training/cpu-kernels'),
      import('../library/library'),
      import('../training/labels'),
      import('../training/mil-train'),
      import('../training/train'),
    ]);
    // One job, then the process ends: its decode threads skip the warm-up, which serves later jobs only (pool.ts).
    (await import('../dicom/pool')).warmDecodePool(false);
    const backend = await initBackend((values.backend as 'cpu' | 'wasm' | 'webgpu' | 'tensorflow' | undefined) ?? (mode === 'head' ? null : 'cpu'));
    if (backend === 'cpu') installFastCpuGradients();
    const library = Library.open(libraryDir);
    // Every Ctrl+C only asks the run to stop at its next check; the checkpoint of the last epoch is kept.
    const interrupt = catchInterrupt({ secondExits: false });
    try {
      const labels = values.labels ? importLabelsCsvFile(library, values.labels) : values['label-folders'] ? await importLabelFolders(library, values['label-folders']) : undefined;
      // The rows not used or read as another spelling, in the words of lumen eval and compare.
      if (labels && !values.json) process.stderr.write(labelRowsText(labels));
      const showProgress = !values.json && process.stderr.isTTY === true;
      const options: TrainOptions = {
        library,
        out: values.out,
        variant: values.variant,
        ...numbers,
        mode,
        window: values.window,
        augmentation: values['no-augment'] ? false : undefined,
        progressive: values['no-progressive'] ? false : undefined,
        backbonePackage: backbone,
        intendedUse: values['intended-use'],
        name: values.name,
        overwrite: values.overwrite,
        resume: !values['no-resume'],
        // Epochs done under other settings are not deleted without a word: refused, saying how to resume or discard them.
        otherCheckpoint: 'refuse',
        onNotice: (message) => process.stderr.write(`${showProgress ? '\r\x1b[2K' : ''}Note: ${message}\n`),
        signal: interrupt.signal,
        onProgress: (p) => {
          if (showProgress) process.stderr.write(`\r\x1b[2K${p.message}`);
          else if (!values.json && (p.record || p.phase !== 'training')) process.stderr.write(`${p.message}\n`);
        },
      };
      if (level === 'series') {
        const series = await undoCreatedOnFailure(values.out, () => trainSeriesClassifier(options));
        if (showProgress) process.stderr.write('\r\x1b[2K');
        const { testPredictions, metadata, ...rest } = series;
        if (values.json) printJson({ ...rest, package: { dir: series.packageDir, contentHash: metadata.contentHash, metrics: metadata.metrics }, labels, testPredictions });
        else {
          const t = series.test;
          process.stdout.write(
            [
              `Wrote ${series.packageDir} (content hash ${metadata.contentHash.slice(0, 12)}…) and ${series.reportPath}`,
              ...keptEarlierLines(series.keptEarlier, values.out),
              `Test split: ${t.n} series · ${headlineText(t, { lowercase: true, method: t.ciMethod })}`,
              // Which rule the figures count a class by, as lumen eval and the image-level summary say.
              ...[thresholdRule(t.threshold, t.classNames)].filter((r): r is string => r !== null).map((r) => `  ${r}`),
              `Calibration: ${series.calibration.applied ? `temperature ${series.calibration.temperature.toFixed(3)} fitted on the validation series` : `no temperature applied (T = 1)${series.calibration.reason ? `: ${series.calibration.reason}` : ''}`}; ECE validation ${series.calibration.validation.eceBefore.toFixed(3)} -> ${series.calibration.validation.eceAfter.toFixed(3)}${series.calibration.test ? `, test ${series.calibration.test.eceBefore.toFixed(3)} -> ${series.calibration.test.eceAfter.toFixed(3)}` : ''}`,
              `Uncertainty: ${series.ensemble.heads} heads on the series head's pooled features; ${validationUncertaintyText(series.ensemble.validation)}`,
              trainingDataLine(metadata.domain),
              ...levelLines(t),
              ...series.split.warnings.map((w) => `Warning: ${w}`),
            ].join('\n') + '\n',
          );
        }
        return 0;
      }
      // A checkpoint folder the run made goes too unless it holds an epoch to resume from.
      const out = values.out;
      const result = await undoCreatedOnFailure(
        `${path.resolve(out)}.checkpoint`,
        () => undoCreatedOnFailure(out, () => trainClassifier(options)),
        (dir) => existsSync(path.join(dir, 'state.json')),
      );
      if (showProgress) process.stderr.write('\r\x1b[2K');
      const { testPredictions, metadata, ...rest } = result;
      if (values.json) {
        printJson({ ...rest, package: { dir: result.packageDir, contentHash: metadata.contentHash, metrics: metadata.metrics }, labels, testPredictions });
      } else {
        const t = result.test;
        process.stdout.write(
          [
            `Wrote ${result.packageDir} (content hash ${metadata.contentHash.slice(0, 12)}…) and ${result.reportPath}`,
            ...keptEarlierLines(result.keptEarlier, values.out),
            ...evaluationLines(t).map((line, i) => (i === 0 ? `Test split: ${t.n} images · ${line}` : line)),
            `Calibration: ${result.calibration.applied ? `temperature ${result.calibration.temperature.toFixed(3)} fitted on the validation split` : `no temperature applied (T = 1)${result.calibration.reason ? `: ${result.calibration.reason}` : ''}`}; ECE validation ${result.calibration.validation.eceBefore.toFixed(3)} -> ${result.calibration.validation.eceAfter.toFixed(3)}${result.calibration.test ? `, test ${result.calibration.test.eceBefore.toFixed(3)} -> ${result.calibration.test.eceAfter.toFixed(3)}` : ''}`,
            result.ensemble ? `Uncertainty: ${result.ensemble.heads} heads; on the validation split mean ${result.ensemble.validation.mean.toFixed(3)}, high above ${result.ensemble.validation.p95.toFixed(3)}` : 'Uncertainty: none (only a head on cached features gets uncertainty heads)',
            trainingDataLine(metadata.domain),
            ...levelLines(t),
            ...result.split.warnings.map((w) => `Warning: ${w}`),
          ].join('\n') + '\n',
        );
      }
      return 0;
    } catch (err) {
      if (err instanceof OtherCheckpointError) throw new CliError(err.message, 2);
      if (interrupt.signal.aborted) {
        // A series run keeps no checkpoint (a checkpoint beside --out is an image run's, untouched).
        if (level === 'series') throw new CliError('Cancelled: a series run keeps no checkpoint, so nothing was kept (the slices\' features stay cached: running it again starts faster).', INTERRUPTED_EXIT);
        const kept = existsSync(path.join(`${path.resolve(values.out)}.checkpoint`, 'state.json'));
        throw new CliError(kept ? 'Cancelled. The checkpoint is kept: run the same command again to resume.' : 'Cancelled before the first epoch ended; nothing was kept.', INTERRUPTED_EXIT);
      }
      const disk = err instanceof CliError ? null : describeDiskProblem(err, path.dirname(path.resolve(values.out)));
      if (disk) {
        const resume = level === 'image' && existsSync(path.join(`${path.resolve(values.out)}.checkpoint`, 'state.json')) ? ' (it resumes from the checkpoint of the last epoch, kept)' : '';
        const file = (err as NodeJS.ErrnoException).path;
        throw new CliError(`the model package ${values.out} was not written${file && file !== path.resolve(values.out) ? ` (writing ${file})` : ''}: ${disk}. Nothing half-written was left there and the library records no such package; free space on that disk, then run the same command again${resume}.`);
      }
      throw err instanceof CliError ? err : new CliError(errorMessage(err));
    } finally {
      interrupt.release();
      library.close();
    }
  },
};

/** The package that was under the name, kept as an earlier version (--overwrite), as the Training tab says it. */
function keptEarlierLines(kept: KeptEarlier | null, out: string): string[] {
  if (!kept) return [];
  const name = path.basename(path.resolve(out));
  return [`The earlier ${name}${kept.contentHash ? ` (#${kept.contentHash.slice(0, 12)})` : ''} is kept as version ${kept.version}: ${kept.dir}`];
}

/** The training-data check the package records, in one line: its domain (as `lumen models packages` says it) and the feature threshold. */
function trainingDataLine(domain: DomainMetadata | undefined): string {
  const f = domain?.features;
  return `Training data check: ${domainSummary(domain)}${f ? `; feature score threshold ${f.threshold.toFixed(1)} (the 99th percentile of ${f.validation.n} validation images)` : ''}`;
}
