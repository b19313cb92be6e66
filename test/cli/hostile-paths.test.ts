// Every path a `lumen` command takes, given a hostile value: a folder of /proc or /sys, a file
// where a folder is needed and the reverse, a file in the way, a dangling symbolic link, a link
// that leads out of the folder named, a device, a line break, 5,000 characters, an empty
// string, "-". Each is refused before anything runs (common/node/user-path.ts): exit 2, one
// line that names the argument and the path, never Node's own text or a stack, and nothing
// left behind. The table lists each command's path arguments once; the hostile values of each
// kind of argument are shared out among its arguments (every value met at least once per kind,
// every argument with /proc and at least one value of its own kind), to keep the runs few.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { shownPath, type UserPathKind } from '../../common/node/user-path';
import { runLumen } from '../support/cli';

const root = mkdtempSync(path.join(os.tmpdir(), 'lumen-cli-hostile-paths-'));
/** A folder outside `root`: a link in root leads here. */
const outside = mkdtempSync(path.join(os.tmpdir(), 'lumen-cli-outside-'));
const at = (name: string) => path.join(root, name);
const library = at('library');
const aFile = at('a-file.txt');
const aFolder = at('a-folder');

beforeAll(() => {
  writeFileSync(aFile, 'not a folder');
  mkdirSync(aFolder);
  writeFileSync(path.join(outside, 'other-program.txt'), 'not Lumen\'s');
  symlinkSync(path.join(root, 'no-such-target'), at('dangling'));
  symlinkSync(path.join(outside, 'other-program.txt'), at('link-out'));
  mkdirSync(at('home'));
  Library.open(library).close();
  mkdirSync(at('not-a-library'));
  writeFileSync(path.join(at('not-a-library'), LIBRARY_FILE), 'not a database');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** A hostile value, made once the fixtures' names are known. */
const VALUES = {
  proc: () => '/proc/lumen-no-such-process/x',
  sys: () => '/sys/lumen-no-such-device',
  empty: () => '',
  dash: () => '-',
  newline: () => at('new\nline'),
  long: () => at('a'.repeat(5000)),
  folder: () => aFolder,
  file: () => aFile,
  fileInTheWay: () => path.join(aFile, 'below'),
  missing: () => at('no-such-thing'),
  dangling: () => at('dangling'),
  linkOut: () => at('link-out'),
  device: () => '/dev/null',
} satisfies Record<string, () => string>;
type Value = keyof typeof VALUES;

/** The values each kind of argument must refuse (beyond those every path refuses). */
const COMMON: Value[] = ['proc', 'empty', 'dash', 'newline', 'long'];
const BY_KIND: Record<UserPathKind, Value[]> = {
  'output-file': ['folder', 'fileInTheWay', 'dangling', 'linkOut', 'device', 'sys'],
  'output-folder': ['file', 'fileInTheWay', 'dangling', 'sys'],
  library: ['file', 'fileInTheWay', 'dangling', 'sys'],
  file: ['folder', 'missing', 'dangling', 'device', 'fileInTheWay'],
  folder: ['file', 'missing'],
  'file-or-folder': ['missing', 'dangling', 'device'],
  source: [],
};

interface PathArgument {
  /** What the user types, with `p` where the hostile path goes. */
  args: (p: string) => string[];
  label: string;
  kind: UserPathKind;
  env?: (p: string) => NodeJS.ProcessEnv;
}

const never = (name: string) => at(`never-${name}`);
const ARGUMENTS: PathArgument[] = [
  { args: (p) => ['ls', '--library', p], label: '--library', kind: 'library' },
  { args: () => ['ls'], label: 'LUMEN_DATA_DIR', kind: 'library', env: (p) => ({ LUMEN_DATA_DIR: p }) },
  { args: (p) => ['audit', '--library', p], label: '--library', kind: 'library' },
  { args: (p) => ['audit', '--library', library, '--csv', p], label: '--csv', kind: 'output-file' },
  { args: (p) => ['import', p, '--library', library], label: 'the path to import', kind: 'source' },
  { args: (p) => ['import', aFolder, '--library', p], label: '--library', kind: 'output-folder' },
  { args: (p) => ['export', '--variant', 'b0', '--format', 'onnx', '--out', p], label: '--out', kind: 'output-file' },
  { args: (p) => ['export', '--variant', 'b0', '--format', 'tfjs', '--out', p], label: '--out', kind: 'output-folder' },
  { args: (p) => ['export', '--variant', 'b0', '--format', 'onnx', '--weights', p, '--out', never('model.onnx')], label: '--weights', kind: 'file-or-folder' },
  { args: (p) => ['export', '--csv', 'labels', '--library', library, '--out', p], label: '--out', kind: 'output-file' },
  { args: (p) => ['export', '--csv', 'labels', '--library', p, '--out', never('labels.csv')], label: '--library', kind: 'library' },
  { args: (p) => ['export', '--results', '1.2.3', '--library', library, '--out', p], label: '--out', kind: 'output-folder' },
  { args: (p) => ['export', '--deidentify', '1.2.3', '--library', library, '--out', p], label: '--out', kind: 'output-folder' },
  { args: (p) => ['pixels', p, '--out', never('pixels.raw')], label: 'the DICOM file', kind: 'file' },
  { args: (p) => ['pixels', aFile, '--out', p], label: '--out', kind: 'output-file' },
  { args: (p) => ['render', p, '--out', never('frame.png')], label: 'the DICOM file', kind: 'file' },
  { args: (p) => ['render', aFile, '--out', p], label: '--out', kind: 'output-file' },
  { args: (p) => ['labels', 'export', '--library', library, '--out', p], label: '--out', kind: 'output-file' },
  { args: (p) => ['labels', 'import', p, '--library', library], label: 'the label CSV', kind: 'file' },
  { args: (p) => ['labels', 'overview', '--library', p], label: '--library', kind: 'library' },
  { args: (p) => ['train', '--variant', 'custom-phi-10', '--library', library, '--out', p], label: '--out', kind: 'output-folder' },
  { args: (p) => ['train', '--variant', 'custom-phi-10', '--library', library, '--out', never('package'), '--labels', p], label: '--labels', kind: 'file' },
  { args: (p) => ['train', '--variant', 'custom-phi-10', '--library', library, '--out', never('package'), '--label-folders', p], label: '--label-folders', kind: 'folder' },
  { args: (p) => ['train', '--variant', 'custom-phi-10', '--library', library, '--out', never('package'), '--backbone', p], label: '--backbone', kind: 'file-or-folder' },
  { args: (p) => ['eval', '--model', p, '--library', library], label: '--model', kind: 'file-or-folder' },
  { args: (p) => ['eval', '--model', aFolder, '--library', library, '--labels', p], label: '--labels', kind: 'file' },
  { args: (p) => ['compare', '--model', p, '--model', aFolder, '--library', library], label: '--model', kind: 'file-or-folder' },
  { args: (p) => ['predict', '--model', p, '--library', library], label: '--model', kind: 'file-or-folder' },
  { args: (p) => ['suggest', '--model', p, '--library', library], label: '--model', kind: 'file-or-folder' },
  { args: (p) => ['predictions', '--series', '1.2.3', '--library', p], label: '--library', kind: 'library' },
  { args: (p) => ['rm', '--series', '1.2.3', '--library', p], label: '--library', kind: 'library' },
  { args: (p) => ['weights', 'import', p], label: 'the Keras weights file', kind: 'file' },
  { args: (p) => ['pacs', 'add', '--name', 'x', '--dimse', 'PACS@127.0.0.1:11112', '--tls', '--tls-ca', p], label: '--tls-ca', kind: 'file' },
  { args: (p) => ['serve', '--port', '0', '--data-dir', p], label: '--data-dir', kind: 'output-folder' },
  // Without LUMEN_DATA_DIR the data folder is the platform's, under HOME: a home of the test's own.
  { args: (p) => ['settings', 'set', 'dataFolder', p], label: 'the data folder', kind: 'output-folder', env: () => ({ LUMEN_DATA_DIR: '', HOME: at('home') }) },
];

/** The runs: each argument with /proc, and the kind's other values shared out round-robin among the kind's arguments. */
function cases(): { argument: PathArgument; value: Value }[] {
  const runs: { argument: PathArgument; value: Value }[] = [];
  for (const kind of Object.keys(BY_KIND) as UserPathKind[]) {
    const of = ARGUMENTS.filter((a) => a.kind === kind);
    const values = [...COMMON.filter((v) => v !== 'proc'), ...BY_KIND[kind]];
    of.forEach((argument) => runs.push({ argument, value: 'proc' }));
    const turns = Math.max(values.length, of.length);
    for (let i = 0; i < turns; i++) runs.push({ argument: of[i % of.length], value: values[i % values.length] });
  }
  return runs;
}

/** Every name under `dir` (links not followed): what a refused command must leave as it was. */
function tree(dir: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'data' || name === 'home') continue; // the data folders the commands run with
    const full = path.join(dir, name);
    names.push(full);
    if (lstatSync(full).isDirectory()) names.push(...tree(full));
  }
  return names.sort();
}

/** Node's own wording of a file-system error, or a stack line: what a user must never see. */
const NODE_TEXT = /\b(ENOENT|EACCES|ENOTDIR|EISDIR|ELOOP|ENAMETOOLONG|EEXIST|EPERM|EROFS)\b|no such file or directory|ERR_[A-Z_]+|\n\s+at /;

// "Before anything runs" includes opening the library: a command that opened it first would, with
// a library file that is no database, fail on the library instead of naming the hostile path. So
// each /proc run of a command that also takes the library is given one that is no database: it
// must still be refused in the one line that names the hostile path. (An opened and closed
// library leaves no trace the tree below could see.) That run stands for the same run with a
// good library too: refused before the library is opened, it cannot tell the two apart.
const takesLibrary = (argument: PathArgument) => argument.args('<path>').includes(library);

describe.concurrent('a hostile path given to a lumen command is refused in one line that names it', () => {
  for (const { argument, value } of cases()) {
    const shown = argument.args('<path>').join(' ');
    const command = (p: string) => argument.args(p)[0];
    const noDatabase = value === 'proc' && takesLibrary(argument);
    it(`lumen ${shown}${argument.env ? ` (${argument.label}=<path>)` : ''} with ${value}${noDatabase ? ', with a library that is no database' : ''}`, async ({ expect }) => {
      const p = VALUES[value]();
      const before = [...tree(root), ...tree(outside)];
      const args = argument.args(p).map((a) => (noDatabase && a === library ? at('not-a-library') : a));
      // Only lumen serve runs until stopped were its check to fail: bounded, with room for a loaded machine.
      const r = await runLumen(args, at('data'), argument.env?.(p) ?? {}, { timeout: command(p) === 'serve' ? 240_000 : undefined });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(NODE_TEXT);
      expect(r.stderr.endsWith('\n') && r.stderr.indexOf('\n') === r.stderr.length - 1, r.stderr).toBe(true);
      expect(r.stderr.startsWith(`lumen ${command(p)}: ${argument.label}${p === '' ? ':' : ` ${shownPath(p)}: `}`), r.stderr).toBe(true);
      expect([...tree(root), ...tree(outside)]).toEqual(before);
    }, 300_000);
  }
});

// Root may write anywhere: a folder without write permission is refused only for another user.
// The checkout must be readable by that user (a clone in a 0700 temporary folder is not).
const canDropRoot =
  process.getuid?.() === 0 && !spawnSync('runuser', ['--help']).error && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', path.join(__dirname, '../../bin/lumen.mjs')]).status === 0;
describe.runIf(canDropRoot)('a folder without write permission, as a user who is not root', () => {
  it('an output file and a library in it are refused before anything is written', async () => {
    const locked = mkdtempSync(path.join(os.tmpdir(), 'lumen-cli-locked-'));
    try {
      chmodSync(locked, 0o755);
      const readOnly = path.join(locked, 'read-only');
      mkdirSync(readOnly, { mode: 0o555 });
      const asNobody = (args: string[]) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) =>
          execFile('runuser', ['-u', 'nobody', '--', 'env', `HOME=${locked}`, `LUMEN_DATA_DIR=${path.join(locked, 'data')}`, process.execPath, path.join(__dirname, '../../bin/lumen.mjs'), ...args], { cwd: path.join(__dirname, '../..'), timeout: 240_000 }, (err, _stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
          ),
        );
      const csv = await asNobody(['audit', '--library', path.join(locked, 'library'), '--csv', path.join(readOnly, 'audit.csv')]);
      expect(csv.code, csv.stderr).toBe(2);
      expect(csv.stderr).toBe(`lumen audit: --csv ${path.join(readOnly, 'audit.csv')}: its folder cannot be written to: permission denied.\n`);
      const library = await asNobody(['import', locked, '--library', path.join(readOnly, 'library')]);
      expect(library.code, library.stderr).toBe(2);
      expect(library.stderr).toBe(`lumen import: --library ${path.join(readOnly, 'library')}: its folder cannot be written to: permission denied.\n`);
      expect(readdirSync(readOnly)).toEqual([]);
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('the table', () => {
  it('every command that takes a path is in it, and every hostile value is met for every kind', () => {
    const commands = new Set(ARGUMENTS.map((a) => a.args('p')[0]));
    for (const name of ['ls', 'audit', 'import', 'export', 'pixels', 'render', 'labels', 'train', 'eval', 'compare', 'predict', 'suggest', 'predictions', 'rm', 'weights', 'pacs', 'serve', 'settings']) expect(commands.has(name), name).toBe(true);
    const met = new Set(cases().map((c) => `${c.argument.kind}:${c.value}`));
    for (const kind of Object.keys(BY_KIND) as UserPathKind[]) {
      if (!ARGUMENTS.some((a) => a.kind === kind)) continue;
      for (const value of [...COMMON, ...BY_KIND[kind]]) expect(met.has(`${kind}:${value}`), `${kind}:${value}`).toBe(true);
    }
    // Every argument beside a library is run once with /proc and a library that is no database.
    const beside = ARGUMENTS.filter(takesLibrary);
    expect(beside.length).toBeGreaterThan(10);
    expect(cases().filter((c) => c.value === 'proc' && takesLibrary(c.argument)).map((c) => ARGUMENTS.indexOf(c.argument)).sort((a, b) => a - b)).toEqual(beside.map((a) => ARGUMENTS.indexOf(a)));
  });
});
