import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { seriesUncertaintyText } from './series-uncertainty';
import { errorMessage } from '../../common/errors';
import { isCancel } from '../../common/cancel';
import { modelFolder } from './model-packages';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import type { PredictionCancelled } from '../training/predict';

/** What `lumen predict` says on stderr when Ctrl+C stopped it after scoring some series whole (their lines and JSON are printed as a finished run's). */
function cancelledLine(c: Pick<PredictionCancelled, 'kept' | 'series'>): string {
  const n = c.kept.series.length;
  const of = `scored ${n} of ${c.series} series`;
  if (n === 0) return `Cancelled: ${of}; nothing stored. Run the same predict again to score them.`;
  const kept = c.kept.stored === false ? 'their scores were only printed (the library is on a read-only disk)' : 'their scores are stored';
  // Predict scores every series it is given: a second run does not skip the stored ones.
  return `Cancelled: ${of} (${c.kept.images.length} ${c.kept.images.length === 1 ? 'image' : 'images'}); ${kept}. Run the same predict again to score the rest (it scores all ${c.series} again).`;
}

/** The three slices with the most attention, as "SOP UID (weight)". */
function topSlices(images: { sopInstanceUid: string; frame: number; attention?: number }[]): string {
  return [...images].sort((a, b) => (b.attention ?? 0) - (a.attention ?? 0)).slice(0, 3).map((im) => `${im.sopInstanceUid}${im.frame ? ` frame ${im.frame + 1}` : ''} (${(im.attention ?? 0).toFixed(3)})`).join(', ');
}

/**
 * A series' images outside the package's training data, in words: how many, and each distinct
 * reason with how many images it holds for ("  ⚠ 3 of 3 images outside the training data: modality MR; trained on CT (3)").
 */
export function domainLines(images: { domain?: { outside: boolean; reasons: string[] } | null }[]): string[] {
  const outside = images.filter((im) => im.domain?.outside);
  if (outside.length === 0) return [];
  const reasons = new Map<string, number>();
  for (const im of outside) {
    for (const reason of im.domain!.reasons) {
      // Each image's own feature score differs: the series line counts them under the threshold.
      const r = reason.replace(/score [\d.]+ > /, 'score above ');
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
  }
  return [`  ⚠ Outside the training data: ${outside.length} of ${images.length} ${images.length === 1 ? 'image' : 'images'}`, ...[...reasons].map(([r, n]) => `    ${r} (${n} ${n === 1 ? 'image' : 'images'})`)];
}

export const command: Command = {
  summary: "Score library images with a model package (ONNX Runtime where available, else TF.js); prints per-image and per-series scores (with a series head: the series' pooled score and each slice's attention weight), each image's uncertainty (null when the package has no uncertainty heads; a series head's uncertainty is the series'), whether each image is outside the package's training data and why (domain: null when the package records no training domain), and stores them in the library (on a read-only library: prints them only, says so on stderr, and --json has stored: false).",
  usage: 'lumen predict --model <folder | name | name@hash prefix | hash prefix> [--library <dir>] [--series <uid>] [--json]   (without --series: every series in the library; Ctrl+C stores the series scored so far, exit 130)',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { model: { type: 'string' }, library: { type: 'string' }, series: { type: 'string' }, json: { type: 'boolean' } }, { positionals: false });
    if (!values.model) throw new CliError('--model <package folder> is required.', 2);
    // Never creates a library: a mistyped --library would otherwise score "0 images in 0 series".
    const libraryDir = existingLibraryDir(values.library);
    // A folder, or an installed package: name, name@<hash prefix> (an earlier version) or hash prefix.
    const model = await modelFolder(values.model);
    // The library and the inference stack (ONNX Runtime, TF.js) load only for arguments that passed.
    const [{ Library }, { predictSeries, PredictionCancelled }] = await Promise.all([import('../library/library'), import('../training/predict')]);
    // One job, then the process ends: its decode threads skip the warm-up, which serves later jobs only (pool.ts).
    (await import('../dicom/pool')).warmDecodePool(false);
    const library = Library.open(libraryDir);
    // Ctrl+C stops at the next batch: the series scored whole are stored and printed, as a finished run's (a second Ctrl+C ends at once).
    const interrupt = catchInterrupt();
    try {
      let result;
      let cancelled: PredictionCancelled | null = null;
      try {
        result = await predictSeries({ library, packageDir: model, seriesUid: values.series, signal: interrupt.signal, keepScoredOnCancel: true });
      } catch (err) {
        if (err instanceof PredictionCancelled) result = (cancelled = err).kept;
        else if (interrupt.signal.aborted && isCancel(err)) {
          // A series head scores a series once every slice's features are made (mil.ts); those made are in the feature cache.
          process.stderr.write('Cancelled: scored 0 series; nothing stored. This package scores a series with its series head once every slice\'s features are made; the features made so far are kept in the library\'s feature cache, so the same predict again does not make them again.\n');
          return INTERRUPTED_EXIT;
        } else throw err;
      }
      if (values.json) printJson(cancelled ? { ...result, cancelled: true } : result);
      else {
        const names = result.classNames;
        const lines = [`${result.modelName} (${result.modelHash.slice(0, 12)}…): ${result.images.length} ${result.images.length === 1 ? 'image' : 'images'} in ${result.series.length} series`];
        // Said once: a package made before the check, or one not trained by Lumen, records no training domain.
        if (result.trainingDomain === 'unknown') lines.push('Training domain unknown: this package records no training data to compare images with, so no image is checked.');
        for (const s of result.series) {
          const top = s.mean.indexOf(Math.max(...s.mean));
          const u = result.images.filter((im) => im.seriesInstanceUid === s.seriesInstanceUid && typeof im.uncertainty === 'number').map((im) => im.uncertainty as number);
          const uncertainty = u.length ? ` · uncertainty mean ${(u.reduce((a, b) => a + b, 0) / u.length).toFixed(3)}, max ${Math.max(...u).toFixed(3)}` : '';
          lines.push(`${s.seriesInstanceUid}: ${names[top]} (mean ${s.mean[top].toFixed(3)}, max ${s.max[top].toFixed(3)}) · ${names.map((n, i) => `${n} ${s.mean[i].toFixed(3)}`).join(' · ')}${uncertainty}`);
          lines.push(...domainLines(result.images.filter((im) => im.seriesInstanceUid === s.seriesInstanceUid)));
          if (s.pooled) lines.push(`  series score (attention pooling): ${names.map((n, i) => `${n} ${s.pooled!.scores[i].toFixed(3)}`).join(' · ')}${seriesUncertaintyText(s.pooled)}; most weight on ${topSlices(result.images.filter((im) => im.seriesInstanceUid === s.seriesInstanceUid))}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      }
      // A library on a read-only disk keeps nothing (the JSON says so with stored: false).
      if (result.stored === false) process.stderr.write(`Not stored: the library ${library.dir} is on a read-only disk, so these scores were only printed.\n`);
      if (cancelled) {
        process.stderr.write(cancelledLine(cancelled) + '\n');
        return INTERRUPTED_EXIT;
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
