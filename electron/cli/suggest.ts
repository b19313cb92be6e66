import { errorMessage } from '../../common/errors';
import type { SuggestResult } from '../training/suggest';
import { DEFAULT_IMAGES_PER_SERIES, DEFAULT_SUGGESTIONS } from '../training/suggest-defaults';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import { plainText } from '../../common/plain-text';
import { modelFolder } from './model-packages';

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = decimalNumber(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new CliError(`--${name} must be a whole number from 1 to 100000, got "${value}".`, 2);
  return n;
}

function table(r: SuggestResult): string {
  const lines = [`${r.model.name} (${r.model.contentHash.slice(0, 12)}…): ${r.suggestions.length} of ${r.unlabelledSeries} unlabelled series to label next (${r.labelledSeries} labelled)`];
  if (r.note) lines.push(r.note);
  lines.push(r.uncertaintyMeasure === 'mutual-information'
    ? r.uncertaintyOf === 'series'
      ? 'Uncertainty: the series head\'s uncertainty heads\' mutual information (how much they disagree) on each series\' pooled features.'
      : 'Uncertainty: the uncertainty heads\' mutual information (how much they disagree), mean over each series\' images.'
    : `Uncertainty: entropy. ${r.uncertaintyReason ?? 'The package has no uncertainty heads.'}`);
  if (r.suggestions.length) {
    lines.push('rank  score  uncert.  distance  series');
    for (const s of r.suggestions) {
      const what = plainText([s.modality, s.seriesDescription].filter(Boolean).join('  ')) || '(no description)';
      lines.push(`${String(s.rank).padStart(4)}  ${s.score.toFixed(3)}  ${s.uncertainty.toFixed(3).padStart(7)}  ${(s.distance === null ? '-' : s.distance.toFixed(2)).padStart(8)}  ${what}`);
      lines.push(`      study ${s.studyInstanceUid}  series ${s.seriesInstanceUid}`);
      lines.push(`      ${s.reason}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const command: Command = {
  summary: 'Suggest which unlabelled series to label next: those the model is least sure of, and unlike those already labelled (active learning).',
  usage: `lumen suggest --model <folder | name | name@hash prefix | hash prefix> [--library <dir>] [--n ${DEFAULT_SUGGESTIONS}] [--images-per-series ${DEFAULT_IMAGES_PER_SERIES}] [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { model: { type: 'string' }, library: { type: 'string' }, n: { type: 'string' }, 'images-per-series': { type: 'string' }, json: { type: 'boolean' } }, { positionals: false });
    if (!values.model) throw new CliError('--model <package folder> is required.', 2);
    const n = count(values.n, 'n', DEFAULT_SUGGESTIONS);
    const imagesPerSeries = count(values['images-per-series'], 'images-per-series', DEFAULT_IMAGES_PER_SERIES);
    // Suggesting never creates a library (a mistyped --library should not leave one behind).
    const libraryDir = existingLibraryDir(values.library);
    // A folder, or an installed package's name, name@<hash prefix> or hash prefix, as lumen eval takes it.
    const packageDir = await modelFolder(values.model);
    // The library and the training stack (TF.js, ONNX Runtime) load only for arguments that passed.
    const [{ Library }, { suggestSeries, SuggestCancelled }] = await Promise.all([import('../library/library'), import('../training/suggest')]);
    // One job, then the process ends: its decode threads skip the warm-up, which serves later jobs only (pool.ts).
    (await import('../dicom/pool')).warmDecodePool(false);
    const library = Library.open(libraryDir);
    const interrupt = catchInterrupt();
    const showProgress = process.stderr.isTTY === true;
    let drawn = false;
    try {
      const result = await suggestSeries({
        library,
        packageDir,
        n,
        imagesPerSeries,
        signal: interrupt.signal,
        onProgress: showProgress
          ? (p) => {
              process.stderr.write(`\r\x1b[2K${p.message}`.slice(0, (process.stderr.columns || 80) + 5));
              drawn = true;
            }
          : undefined,
      });
      if (drawn) process.stderr.write('\r\x1b[2K');
      if (values.json) printJson(result);
      else process.stdout.write(table(result));
      return 0;
    } catch (err) {
      if (drawn) process.stderr.write('\r\x1b[2K');
      if (err instanceof SuggestCancelled) throw new CliError('Cancelled: no suggestions.', INTERRUPTED_EXIT);
      throw err instanceof CliError ? err : new CliError(errorMessage(err));
    } finally {
      interrupt.release();
      library.close();
    }
  },
};
