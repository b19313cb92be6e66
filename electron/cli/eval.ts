import { evaluationLines, levelLines, levelsForJson } from '../../models/training/levels';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { errorMessage } from '../../common/errors';
import { isCancel } from '../../common/cancel';
import { seriesUncertaintyText } from './series-uncertainty';
import type { PackageEvaluation } from '../training/evaluate';
import { checkUserPath } from '../../common/node/user-path';
import { modelFolder } from './model-packages';
import { importLabelsOption } from './label-use';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import { countOf } from '../../common/counts';

/**
 * What `lumen eval` says on stderr when Ctrl+C stopped it: an evaluation is stored (an audit
 * entry) only once every image is scored, so nothing was; labels --labels imported stay.
 */
export function evalCancelledLine(progress: { done: number; total: number }, labelsCsv: string | undefined, seriesHead: boolean): string {
  const scored = progress.total > 0 ? `scored ${progress.done} of ${countOf(progress.total, 'image')}` : 'stopped before scoring';
  const features = seriesHead ? " The features made so far are kept in the library's feature cache, so the same eval again does not make them again." : '';
  const labels = labelsCsv ? ` The labels imported from ${labelsCsv} stay in the library.` : '';
  return `Cancelled: ${scored}; no evaluation was made and nothing of it was stored.${labels}${features} Run the same eval again to evaluate.`;
}

/**
 * A series-head package's series, one line each as `lumen predict` prints a series score: the
 * series' label, its pooled score and its uncertainty from the series uncertainty heads.
 */
function seriesPredictionLines(result: PackageEvaluation): string[] {
  if (!result.seriesPredictions) return [];
  const names = result.model.classNames;
  return [
    'Series scores (attention pooling), with the uncertainty of the series uncertainty heads:',
    ...result.seriesPredictions.map((s) => `  ${s.seriesInstanceUid} (${s.label >= 0 ? `labelled ${names[s.label]}` : 'mixed labels, left out'}): ${names.map((n, i) => `${n} ${s.scores[i].toFixed(3)}`).join(' · ')}${seriesUncertaintyText(s)}`),
  ];
}

export const command: Command = {
  summary: 'Evaluate a model package on labelled library images (by default only patients it did not train on).',
  usage: 'lumen eval --model <folder | name | name@hash prefix | hash prefix> [--library <dir>] [--labels <csv>] [--subset held-out|test|all] [--json]   (Ctrl+C stops it, stores nothing, exit 130)',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { model: { type: 'string' }, library: { type: 'string' }, labels: { type: 'string' }, subset: { type: 'string' }, json: { type: 'boolean' } });
    if (!values.model) throw new CliError('--model <package folder> is required.', 2);
    const subset = (values.subset ?? 'held-out') as 'held-out' | 'test' | 'all';
    if (!['held-out', 'test', 'all'].includes(subset)) throw new CliError(`--subset must be held-out, test or all, got "${values.subset}".`, 2);
    const libraryDir = existingLibraryDir(values.library);
    // A folder, or an installed package: name, name@<hash prefix> (an earlier version) or hash prefix.
    const model = await modelFolder(values.model);
    if (values.labels !== undefined) checkUserPath(values.labels, 'file', '--labels');
    // The library and the training stack (TF.js, ONNX Runtime) load only for arguments that passed.
    const [{ Library }, { evaluatePackage }] = await Promise.all([import('../library/library'), import('../training/evaluate')]);
    // One job, then the process ends: its decode threads skip the warm-up, which serves later jobs only (pool.ts).
    (await import('../dicom/pool')).warmDecodePool(false);
    const library = Library.open(libraryDir);
    // Ctrl+C stops the scoring at its next batch: nothing is printed or stored, one line says so, exit 130 (a second Ctrl+C ends at once).
    const interrupt = catchInterrupt();
    const progress = { done: 0, total: 0 };
    try {
      // Like lumen compare: --labels imports the CSV into the library's labels first (they stay there).
      const labels = await importLabelsOption(library, values.labels, values.json);
      let result: PackageEvaluation;
      try {
        result = await evaluatePackage(library, model, { subset, signal: interrupt.signal, onProgress: (done, total) => Object.assign(progress, { done, total }) });
      } catch (err) {
        if (!interrupt.signal.aborted || !isCancel(err)) throw err;
        const seriesHead = await import('../../models/package').then(({ loadPackage }) => loadPackage(model, { loadModel: false })).then((p) => Boolean(p.metadata.seriesHead), () => false);
        process.stderr.write(evalCancelledLine(progress, values.labels, seriesHead) + '\n');
        return INTERRUPTED_EXIT;
      }
      if (values.json) printJson({ ...result, ...levelsForJson(result.evaluation), labels });
      else {
        const e = result.evaluation;
        process.stdout.write(
          [
            result.level === 'series'
              ? `${result.model.name} on ${result.series} series (${result.images} images) of ${result.patients} patients (${result.subset}), each series scored by the package's series head:`
              : `${result.model.name} on ${result.images} images of ${result.patients} patients (${result.subset}):`,
            ...evaluationLines(e),
            ...levelLines(e),
            ...seriesPredictionLines(result),
            ...result.notes.map((n) => `Note: ${n}`),
          ].join('\n') + '\n',
        );
      }
      return 0;
    } catch (err) {
      throw err instanceof CliError ? err : new CliError(errorMessage(err));
    } finally {
      interrupt.release();
      library.close();
    }
  },
};
