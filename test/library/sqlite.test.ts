// What a failed load of the SQLite addon says, for each runtime and cause
// (electron/library/sqlite.ts); the real wrong-ABI load under Node 24 is in
// test/engine/node-runtimes.test.ts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLoadFailure, nativeFolderName, openDatabase, sqliteBindingPath, type Runtime } from '../../electron/library/sqlite';

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
      "Lumen's SQLite module (better-sqlite3) is missing (/nowhere/better_sqlite3.node), so it cannot load in Node 24.22.3 (NODE_MODULE_VERSION 137). To fix it, run \"npm run native -- --node /opt/node24/bin/node\" in the Lumen folder, or use the Node that ran \"npm ci\".",
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
