import path from 'node:path';
import type { LevelDifference, ModelLevels } from '../training/compare';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';
import { errorMessage } from '../../common/errors';
import { isCancel } from '../../common/cancel';
import { f3, METRIC_NAMES, withCi } from '../../common/metric-words';
import { checkUserPath } from '../../common/node/user-path';
import { differenceSentence, tooSmallReason } from '../../models/training/stats';
import { importLabelsOption } from './label-use';
import { modelFolder } from './model-packages';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import { countOf } from '../../common/counts';

/** Where a comparison was when Ctrl+C stopped it: the model being scored and its images. */
export interface CompareProgress {
  which: 'A' | 'B' | null;
  done: number;
  total: number;
}

/**
 * What `lumen compare` says on stderr when Ctrl+C stopped it. Nothing is compared or printed;
 * of what is stored, only A's evaluation in the audit log once A was scored whole (each
 * evaluation records itself when its scoring ends); labels --labels imported stay.
 */
export function compareCancelledLine(p: CompareProgress, labelsCsv: string | undefined): string {
  // A scored whole (its last batch delivered, or B begun): A's evaluation is in the audit log.
  const aWhole = p.which === 'B' || (p.which === 'A' && p.total > 0 && p.done === p.total);
  const scored =
    p.which === null ? 'stopped before scoring' : !aWhole ? `scored ${p.done} of A's ${countOf(p.total, 'image')}` : p.which === 'A' ? `scored A's ${countOf(p.total, 'image')} and none of B's` : `scored A's ${countOf(p.total, 'image')} and ${p.done} of B's`;
  const stored = aWhole ? "nothing was stored but A's evaluation, recorded in the audit log" : 'nothing was stored';
  const labels = labelsCsv ? ` The labels imported from ${labelsCsv} stay in the library.` : '';
  return `Cancelled: ${scored}; the models were not compared and ${stored}.${labels} Run the same compare again to compare them.`;
}

function modelLine(which: string, dir: string, m: ModelLevels): string {
  const level = (name: string, e: ModelLevels['perImage']) => `${name} ${withCi(e.auc, e.aucCi)}`;
  return `${which}: ${m.name} (${dir}) · ${METRIC_NAMES.auc} ${level('per image', m.perImage)} · ${level('per series', m.perSeries)} · ${level('per patient', m.perPatient)}`;
}

function differenceLine(name: string, d: LevelDifference, sentence = d.sentence): string {
  // How each side scored this level, once when both did it alike (a series-head package scores series through its head).
  const [a, b] = [d.aggregation.a, d.aggregation.b].map((x) => (x === 'none' ? "each image's own score" : x));
  const how = a === b ? (d.aggregation.a === 'none' ? '' : ` (${a})`) : ` (A: ${a}; B: ${b})`;
  return `  ${name}${how} (${d.n}): A ${f3(d.aucA)}, B ${f3(d.aucB)}. ${sentence}.`;
}

/**
 * The three levels' lines. Where every level is too small to tell for the same reason (the same
 * few patients), the reason is said once after them rather than on each line.
 */
export function differenceLines(ds: { perImage: LevelDifference; perSeries: LevelDifference; perPatient: LevelDifference }): string[] {
  const levels = [['Per image', ds.perImage], ['Per series', ds.perSeries], ['Per patient', ds.perPatient]] as const;
  const reasons = new Set(levels.map(([, d]) => tooSmallReason(d)));
  const [shared] = reasons;
  if (reasons.size !== 1 || shared === null) return levels.map(([name, d]) => differenceLine(name, d));
  return [...levels.map(([name, d]) => differenceLine(name, d, differenceSentence(d, 'A', 'B', { reason: false }))), `  Too small to tell at every level: ${shared}.`];
}

/** Which patients the two models were compared on, in the words of the --subset chosen. */
export function comparedOnLine(r: { images: number; patients: number; subset: string; patientsOnlyA: number; patientsOnlyB: number }): string {
  const onlyOne = r.patientsOnlyA + r.patientsOnlyB;
  const leftOut = (where: string) => (onlyOne ? `; ${onlyOne} ${onlyOne === 1 ? 'patient' : 'patients'} ${where} left out` : '');
  if (r.subset === 'all') return `Compared on ${r.images} images of all ${r.patients} labelled patients (--subset all: whether either model trained on them is not checked).`;
  if (r.subset === 'test') return `Compared on ${r.images} images of ${r.patients} patients in the test split of both models${leftOut('in the test split of only one model')}.`;
  return `Compared on ${r.images} images of ${r.patients} patients held out from both models${leftOut('held out from only one model')}.`;
}

export const command: Command = {
  summary: `Compare two model packages on the same held-out patients: ${METRIC_NAMES.auc}s and a paired test of their difference.`,
  usage: 'lumen compare --model <A> --model <B> (each a folder, name, name@hash prefix or hash prefix) [--library <dir>] [--labels <csv>] [--subset held-out|test|all] [--resamples N] [--seed S] [--json]   (Ctrl+C stops it, compares nothing, exit 130)',
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      model: { type: 'string', multiple: true },
      library: { type: 'string' },
      labels: { type: 'string' },
      subset: { type: 'string' },
      resamples: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    });
    const models = values.model ?? [];
    if (models.length !== 2) throw new CliError(`Pass exactly two models: --model <A> --model <B> (got ${models.length}).`, 2);
    const subset = (values.subset ?? 'held-out') as 'held-out' | 'test' | 'all';
    if (!['held-out', 'test', 'all'].includes(subset)) throw new CliError(`--subset must be held-out, test or all, got "${values.subset}".`, 2);
    const resamples = values.resamples === undefined ? undefined : decimalNumber(values.resamples);
    if (resamples !== undefined && (!Number.isInteger(resamples) || resamples < 100 || resamples > 100_000)) throw new CliError(`--resamples must be an integer from 100 to 100000, got "${values.resamples}".`, 2);
    const seed = values.seed === undefined ? undefined : decimalNumber(values.seed);
    if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new CliError(`--seed must be a non-negative integer, got "${values.seed}".`, 2);
    const libraryDir = existingLibraryDir(values.library);
    if (values.labels !== undefined) checkUserPath(values.labels, 'file', '--labels');
    // A folder, or an installed package's name, name@<hash prefix> or hash prefix, as lumen eval takes it.
    const dirs = [await modelFolder(models[0]), await modelFolder(models[1])];
    if (path.resolve(dirs[0]) === path.resolve(dirs[1])) throw new CliError(`--model names ${models[0] === models[1] ? models[0] : `${dirs[0]} (${models[0]}, ${models[1]})`} twice: pass two different packages.`, 2);
    // The library and the training stack (TF.js, ONNX Runtime) load only for arguments that passed.
    const [{ Library }, { comparePackages }] = await Promise.all([import('../library/library'), import('../training/compare')]);
    // One job, then the process ends: its decode threads skip the warm-up, which serves later jobs only (pool.ts).
    (await import('../dicom/pool')).warmDecodePool(false);
    const library = Library.open(libraryDir);
    // Ctrl+C stops the scoring at its next batch: nothing is compared or printed, one line says what was kept, exit 130 (a second Ctrl+C ends at once).
    const interrupt = catchInterrupt();
    const progress: CompareProgress = { which: null, done: 0, total: 0 };
    try {
      // Like lumen eval: --labels imports the CSV into the library's labels first (they stay there).
      const labels = await importLabelsOption(library, values.labels, values.json);
      let r: Awaited<ReturnType<typeof comparePackages>>;
      try {
        r = await comparePackages(library, dirs[0], dirs[1], {
          subset,
          bootstrap: resamples,
          seed,
          signal: interrupt.signal,
          onProgress: (p) => Object.assign(progress, p),
        });
      } catch (err) {
        if (!interrupt.signal.aborted || !isCancel(err)) throw err;
        process.stderr.write(compareCancelledLine(progress, values.labels) + '\n');
        return INTERRUPTED_EXIT;
      }
      if (values.json) printJson({ models: { a: dirs[0], b: dirs[1] }, ...r, labels });
      else {
        process.stdout.write(
          [
            comparedOnLine(r),
            modelLine('A', dirs[0], r.a),
            modelLine('B', dirs[1], r.b),
            `${METRIC_NAMES.auc} difference, B - A (${r.differences.perImage.method}):`,
            ...differenceLines(r.differences),
            ...r.notes.map((n) => `Note: ${n}`),
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
