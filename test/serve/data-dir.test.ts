// `lumen serve --data-dir` refuses every folder it cannot use, in one line and in bounded time,
// before it serves anything. Node's mkdirSync(…, { recursive: true }) never returned for a
// folder under /proc (mkdir answers ENOENT although /proc is there, and Node tried again for
// ever); the data folder is now made one level at a time (makeDirs, common/node/safe-fs.ts),
// and a folder that exists is tried with a folder made and removed in it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../common/node/safe-fs';
import { shownPath } from '../../common/node/user-path';

const repo = path.resolve(__dirname, '../..');
let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-serve-data-dir-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** `lumen <args>`, killed after 40 s: a hang shows as code null. */
function lumen(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, env: { ...process.env, LUMEN_DATA_DIR: path.join(root, 'data'), ...env }, timeout: 40_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

// One line naming the flag and the folder (common/node/user-path.ts, as for every path a command takes); exit 2.
const refusal = (dir: string, why: string) => `lumen serve: --data-dir ${shownPath(dir)}: ${why}.\n`;
const PROCFS = "it is in the kernel's view of its processes (procfs), not a place for files: choose a file or folder on a disk";

describe.skipIf(process.platform !== 'linux')('lumen serve --data-dir', () => {
  const cases: [string, () => string, string][] = [
    // mkdir in /proc answers ENOENT: the case Node's recursive mkdir looped on.
    ['a new folder in /proc', () => `/proc/lumen-test-${process.pid}`, PROCFS],
    ['a new folder two levels down in /proc', () => '/proc/self/lumen/data', PROCFS],
    // Exists and access() may say writable (to root), but takes no new folder.
    ['a folder of /proc', () => '/proc/self', PROCFS],
    ['a new folder in /sys', () => `/sys/lumen-test-${process.pid}`, "it is in the kernel's view of its devices (sysfs), not a place for files: choose a file or folder on a disk"],
    ['a device', () => '/dev/null', 'it is a device, a pipe or a socket, not a folder'],
    ['a folder under a file', () => {
      writeFileSync(path.join(root, 'a-file'), 'x');
      return path.join(root, 'a-file', 'data');
    }, '@ROOT/a-file is a file, not a folder'],
    ['a name longer than the system takes', () => path.join(root, 'n'.repeat(300)), 'one name in the path is too long (300 bytes; a file system takes at most 255)'],
  ];
  for (const [what, dir, why] of cases) {
    it(`refuses ${what}, in one line`, async () => {
      const d = dir();
      const r = await lumen(['serve', '--data-dir', d, '--port', '0']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(refusal(d, why.replace('@ROOT', root)));
    }, 60_000);
  }

  it('takes a new folder in a folder it can write to, and leaves no trace of its check', async () => {
    const parent = path.join(root, 'ok');
    ensurePrivateDir(parent);
    const child = execFile(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'serve', '--data-dir', path.join(parent, 'new', 'data'), '--port', '0', '--backend', 'cpu'], { cwd: repo });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`lumen serve exited ${code}`)));
      });
      expect(line).toMatch(/^Lumen is serving at http:\/\/127\.0\.0\.1:\d+\//);
      expect(readdirSync(path.join(parent, 'new', 'data')).filter((n) => n.startsWith('.lumen-check-'))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('lumen import with LUMEN_DATA_DIR in /proc ends with an error too', async () => {
    const empty = path.join(root, 'empty');
    ensurePrivateDir(empty);
    const r = await lumen(['import', empty], { LUMEN_DATA_DIR: `/proc/lumen-test-${process.pid}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lumen import: LUMEN_DATA_DIR \/proc\/lumen-test-\d+: it is in the kernel's view of its processes \(procfs\)/);
  }, 60_000);
});
