// What a failed load of the SQLite addon says, for each runtime and cause
// (electron/library/sqlite.ts); the real wrong-ABI load under Node 24 is in
// test/engine/node-runtimes.test.ts; here, the same load tried twice in one process.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { describeLoadFailure, nativeFolderName, openDatabase, sqliteBindingPath, type Runtime } from '../../electron/library/sqlite';
import { installNode } from '../support/node-runtime';

const electron: Runtime = { runtime: 'electron', version: '45.5.0', abi: '150', platform: 'linux', arch: 'x64' };
const node24: Runtime = { runtime: 'node', version: '24.22.3', abi: '137', platform: 'linux', arch: 'x64' };
const abiError = new Error(
  "The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 150. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
);

describe('a SQLite build that cannot load', () => {
  it('under Electron names both ABIs and the Electron build command, never npm rebuild', () => {
    const m = describeLoadFailure(abiError, __filename, electron);
    expect(m).toBe(
      "Lumen's SQLite module (better-sqlite3) was built for another runtime (NODE_MODULE_VERSION 115) and cannot load in Electron 45.5.0 (NODE_MODULE_VERSION 150). To fix it, run \"npm run native -- --electron\" in the Lumen folder (once, with internet access for Electron's headers).",
    );
    expect(m).not.toMatch(/npm rebuild|permissions/);
  });

  it('that is missing, or built for another system, says so', () => {
    const missing = Object.assign(new Error("Cannot find module '/nowhere/better_sqlite3.node'"), { code: 'MODULE_NOT_FOUND' });
    expect(describeLoadFailure(missing, '/nowhere/better_sqlite3.node', node24, '/opt/node24/bin/node')).toBe(
      "Lumen's SQLite module (better-sqlite3) is missing (/nowhere/better_sqlite3.node), so it cannot load in Node 24.22.3 (NODE_MODULE_VERSION 137). To fix it, run \"npm run native -- --node /opt/node24/bin/node\" in the Lumen folder, or use the Node that ran \"npm install\".",
    );
    const elf = new Error('/x/better_sqlite3.node: invalid ELF header');
    expect(describeLoadFailure(elf, __filename, node24)).toContain('it was built for another system');
  });

  it('each runtime has its own folder; the system Node uses the npm ci build', () => {
    expect(nativeFolderName(electron)).toBe('electron-abi150-linux-x64');
    expect(nativeFolderName(node24)).toBe('node-abi137-linux-x64');
    expect(sqliteBindingPath()).toBe(path.resolve(__dirname, '../../node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
    const db = openDatabase(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
  });
});

describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64')('a second runtime without its own build', () => {
  it('says the build is for another runtime however often Lumen tries to load it', async () => {
    // `lumen ls` on an existing library loads SQLite twice: once to refuse a library of a
    // newer Lumen (a failure left to the normal open), then to open it. A failed dlopen
    // stays failed in a process, and the second try used to say "the file is damaged or
    // incomplete" instead of naming the runtimes and the command that fixes it.
    const node = installNode(process.versions.node.startsWith('24.') ? 22 : 24);
    const root = mkdtempSync(path.join(os.tmpdir(), 'lumen-sqlite-runtime-'));
    try {
      Library.open(path.join(root, 'library')).close();
      mkdirSync(path.join(root, 'no-native'));
      const env = { ...process.env, LUMEN_NATIVE_DIR: path.join(root, 'no-native'), LUMEN_DATA_DIR: path.join(root, 'data') };
      const r = await promisify(execFile)(node, [path.resolve(__dirname, '../../bin/lumen.mjs'), 'ls', '--library', path.join(root, 'library')], { env }).then(
        () => ({ stderr: '' }),
        (err: { stderr: string }) => err,
      );
      expect(r.stderr).toContain(`Lumen's SQLite module (better-sqlite3) was built for another runtime (NODE_MODULE_VERSION ${process.versions.modules})`);
      expect(r.stderr).toContain(`npm run native -- --node ${node}`);
      expect(r.stderr).not.toContain('damaged');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
