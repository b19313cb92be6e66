// lumen rm: remove a study or one series from the library (electron/library/remove.ts), and
// undo it. The files on disk stay. It asks first on a terminal; elsewhere --yes is required.
import { createInterface } from 'node:readline/promises';
import { countOf, imageCount } from '../../common/counts';
import { isLibraryUid, uidProblem } from '../../common/dicom-uid';
import { UNDO_TOKEN, type RemovalCounts, type RemovalTarget } from '../library/remove';
import { Library } from '../library/library';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { existingLibraryDir } from './existing-library';


function what(c: RemovalCounts): string {
  // Images as the app counts them, a frame each, with the files where fewer: "5 images (1 file)".
  return [imageCount(c.frames ?? c.images, c.images), countOf(c.labels, 'label'), countOf(c.measurements, 'measurement'), countOf(c.imageScores, 'image score'), countOf(c.seriesScores, 'series score'), ...(c.studyScores ? [countOf(c.studyScores, 'study score')] : []), countOf(c.results, 'result document')].join(', ');
}

function checkedUid(option: string, value: string): string {
  if (!isLibraryUid(value)) throw new CliError(`--${option} must be a DICOM UID (digits and dots, at most 64 characters): this one ${uidProblem(value) ?? 'is not one'}.`, 2);
  return value;
}

export const command: Command = {
  summary: 'Remove a study or one series from the library (the files stay on disk), or undo a removal.',
  usage: [
    'lumen rm --study <uid> | --series <uid> [--yes] [--library <dir>] [--json]',
    'lumen rm --undo <token> [--library <dir>] [--json]',
    '',
    "  Removes the study's (or series') images, labels, measurements, predictions and result",
    '  documents from the library; the DICOM files are never deleted. A series that is its',
    "  study's last takes the study. Asks first on a terminal; elsewhere --yes is required.",
    '  --undo  puts back what the removal with that token took (the newest 20 can be undone)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      { study: { type: 'string' }, series: { type: 'string' }, undo: { type: 'string' }, yes: { type: 'boolean' }, library: { type: 'string' }, json: { type: 'boolean' } },
      { positionals: false },
    );
    const given = [values.study, values.series, values.undo].filter((v) => v !== undefined).length;
    if (given !== 1) throw new CliError('name one of --study <uid>, --series <uid> or --undo <token>.', 2);
    const library = Library.open(existingLibraryDir(values.library));
    try {
      if (values.undo !== undefined) {
        if (!UNDO_TOKEN.test(values.undo)) throw new CliError('--undo takes the token a removal printed (like 0mab3x9k1c-0123456789abcdef).', 2);
        const counts = library.undoRemoval(values.undo);
        if (values.json) printJson({ restored: counts });
        else console.log(`Put back ${counts.studyRemoved ? 'study' : 'series'} ${counts.studyRemoved ? counts.studyInstanceUid : counts.seriesInstanceUids.join(', ')}: ${what(counts)}.`);
        return 0;
      }
      const target: RemovalTarget = values.study !== undefined ? { studyInstanceUid: checkedUid('study', values.study) } : { seriesInstanceUid: checkedUid('series', values.series!) };
      const preview = library.removalPreview(target);
      const name = target.studyInstanceUid !== undefined ? `study ${target.studyInstanceUid}` : `series ${target.seriesInstanceUid}`;
      const also = target.seriesInstanceUid !== undefined && preview.studyRemoved ? " It is its study's only series: the study goes too." : '';
      if (!values.yes) {
        if (!process.stdin.isTTY || !process.stdout.isTTY) throw new CliError(`lumen rm would remove ${name} (${what(preview)}); add --yes to remove it without asking.`, 2);
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          const answer = await rl.question(`Remove ${name} from the library? ${what(preview)}.${also} The files stay on disk. [y/N] `);
          if (!/^y(es)?$/i.test(answer.trim())) {
            console.log('Nothing was removed.');
            return 1;
          }
        } finally {
          rl.close();
        }
      }
      const { counts, undoToken } = library.remove(target);
      if (values.json) printJson({ removed: counts, undoToken });
      else console.log(`Removed ${name} from the library: ${what(counts)}.${also} The files stay on disk. Undo: lumen rm --undo ${undoToken}`);
      return 0;
    } finally {
      library.close();
    }
  },
};
