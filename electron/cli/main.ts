import { APP_VERSION } from '../../common/version';
import { CliError, UsageError, type Command } from './command';
import { errorMessage } from '../../common/errors';
import { describeDiskProblem, describeFsError, isWordedFsError } from '../../common/node/fs-errors';
import { checkUserPath, shownPath, UserPathError } from '../../common/node/user-path';

// Each command lives in its own module, loaded only when it runs, so that
// `lumen --version` does not pay for TensorFlow.js or the codecs.
const commands = {
  doctor: () => import('./doctor'),
  serve: () => import('./serve'),
  models: () => import('./models'),
  export: () => import('./export'),
  bench: () => import('../../bench/index'),
  import: () => import('./import'),
  ls: () => import('./ls'),
  pixels: () => import('./pixels'),
  render: () => import('./render'),
  train: () => import('./train'),
  eval: () => import('./eval'),
  compare: () => import('./compare'),
  labels: () => import('./labels'),
  predict: () => import('./predict'),
  predictions: () => import('./predictions'),
  suggest: () => import('./suggest'),
  audit: () => import('./audit'),
  weights: () => import('./weights'),
  settings: () => import('./settings'),
  pacs: () => import('./pacs'),
  rm: () => import('./rm'),
} satisfies Record<string, () => Promise<{ command: Command }>>;

// One line per command for `lumen --help`, in the README's words; typed by the table above so a
// new command cannot be left out. (Each module's own summary would mean loading them all.)
const about: Record<keyof typeof commands, string> = {
  doctor: 'which TF.js backends and ONNX Runtime providers work here, and why',
  serve: 'the app in a browser on this machine (the browser bridge)',
  models: 'the EfficientNet variants: resolution, parameters, multiply-adds; the installed packages and their training domain',
  export: 'a model as ONNX, TF.js or a package; results as DICOM SR, de-identified copies or tables',
  bench: 'benchmarks (lumen bench --help lists the suites)',
  import: 'import DICOM folders, files or DICOMDIRs into the library',
  ls: "the library's patients, studies and series",
  pixels: "one frame's decoded stored values as raw samples",
  render: 'one frame, windowed, as a PNG',
  train: 'train a classifier on labelled images and write a model package',
  eval: 'evaluate a model package on labelled, held-out patients',
  compare: 'compare two model packages on the same patients',
  labels: 'labels as CSV out and in, and counts per class',
  predict: "score a series (or the library) with a model package and store the scores",
  predictions: 'the scores stored for a series',
  suggest: 'which unlabelled series to label next (active learning)',
  audit: 'the audit log',
  weights: 'ImageNet weights: import, list, download',
  settings: 'show or change the settings',
  pacs: 'PACS connections, query, retrieve, send, receive',
  rm: 'remove a study or series from the library (files stay on disk), or undo it',
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    `lumen ${APP_VERSION} — DICOM review and EfficientNet classifiers, offline.`,
    '',
    'Usage: lumen <command> [options]   (lumen <command> --help for its options)',
    '',
    'Commands:',
    ...Object.keys(commands).map((name) => `  ${name.padEnd(width)}  ${about[name as keyof typeof commands]}`),
    '',
    `  ${'--version'.padEnd(width)}  print the version`,
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(APP_VERSION + '\n');
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name as keyof typeof commands] : undefined;
  if (!load) {
    process.stderr.write(`lumen: unknown command "${name}". Run "lumen --help" for the list.\n`);
    return 2;
  }
  const { command } = await load();
  if (!command.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    // A usage of several forms lines each `lumen …` up under the first, as lumen weights writes its own.
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage.replace(/\n(?=lumen )/g, '\n       ')}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  try {
    // Every command may use the data folder (its library, settings, weights): a bad one is named before anything runs.
    if (process.env.LUMEN_DATA_DIR) checkUserPath(process.env.LUMEN_DATA_DIR, 'library', 'LUMEN_DATA_DIR');
    return await command.run(rest);
  } catch (err) {
    // A command with help of its own per subcommand (lumen bench <suite> --help) names that help.
    const helpOf = command.ownHelp && rest[0] && !rest[0].startsWith('-') ? `${name} ${rest[0]}` : name;
    const message = err instanceof UsageError ? `${err.message} "lumen ${helpOf} --help" lists the options.` : fsErrorLine(err) ?? errorMessage(err);
    if (json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    else process.stderr.write(`lumen ${name}: ${message}\n`);
    if (!(err instanceof CliError) && process.env.LUMEN_DEBUG && err instanceof Error) process.stderr.write(err.stack + '\n');
    // A path refused before use (common/node/user-path.ts) is an input error, as a flag typed wrong.
    return err instanceof CliError ? err.exitCode : err instanceof UserPathError ? 2 : 1;
  }
}

/**
 * A file-system error no command worded, in words and with its path (never Node's
 * "ENOENT: no such file or directory, mkdir '…'"); null for any other error.
 */
function fsErrorLine(err: unknown): string | null {
  const sqlite = (err as { code?: unknown } | undefined)?.code;
  // Another connection held the library's write lock longer than the command waits for it
  // (busy_timeout): in words, never SQLite's "database is locked".
  if (typeof sqlite === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(sqlite)) {
    return 'another Lumen (or another program) is changing the library and did not let go of it in time. Nothing stored in it was lost; try again when it is done.';
  }
  // SQLite's own codes for a full or read-only disk (the library could not be written).
  const disk = typeof sqlite === 'string' && sqlite.startsWith('SQLITE_') ? describeDiskProblem(err) : null;
  if (disk) return `the library could not be changed: ${disk}. Nothing stored in it was lost; ${disk.includes('full') ? 'free space on that disk' : 'make that disk writable'} and run the command again.`;
  if (!isWordedFsError(err)) return null;
  const { path: p, dest } = err as NodeJS.ErrnoException & { dest?: string };
  const where = typeof p === 'string' ? ` ${shownPath(p)}${typeof dest === 'string' ? ` (to ${shownPath(dest)})` : ''}` : '';
  const full = describeDiskProblem(err);
  if (full) return `could not write${where}: ${full}. ${full.includes('read-only') ? 'Make that disk writable, or choose another place' : 'Free space on that disk'}, then run the command again.`;
  return `cannot use${where}: ${describeFsError(err)}. Check the paths given, and that the disk has room.`;
}
