// A deleted package's Undo lasts the app session (the desktop app's main process, `lumen
// serve`), not its engine's: the engine is a child process that the app restarts when it
// crashes or hangs, and a restarted engine must keep what waits for Undo. Here a real `lumen
// serve` is the app session and its real engine process is killed as a crash would; then the
// app session itself is closed, and crashed (SIGKILL: no cleanup), and the next start removes
// what it left. `lumen models delete` (no session, no Undo) never removes what an app holds.
// Records in deleted-packages/ are hostile input: a symbolic link, a malformed record or an id
// with ../ is refused or removed as stale, never followed outside deleted-packages/.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { APP_SESSION_ENV, appSession } from '../../electron/engine/app-session';
import { deletePackage, deletedDir, purgeDeleted, undoDelete } from '../../electron/engine/predict/packages';
import { isRunning } from '../../common/node/safe-fs';
import { thisProcess } from '../../common/node/run-owner';
import { bridgeReply, openSocket } from '../support/bridge-socket';
import { saveTinyNetPackage } from '../support/tiny-package';

const repo = path.resolve(__dirname, '../..');
let root: string;
let dataDir: string;
let models: string;

/** A running `lumen serve` on dataDir (the app session) and a socket to its bridge. */
interface Serve {
  child: ChildProcess;
  ws: WebSocket;
  call: (method: string, input: unknown) => Promise<any>;
  /** The reply as it came (ok or not). */
  reply: (method: string, input: unknown) => Promise<{ ok: boolean; value?: any; error?: { message: string } }>;
}

async function startServe(): Promise<Serve> {
  const child = spawn(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'serve', '--data-dir', dataDir, '--port', '0', '--backend', 'cpu'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^Lumen is serving at (\S+)\n/.exec(out);
      if (m) resolve(new URL(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`lumen serve exited ${code}: ${err.slice(-2000)}`)));
  });
  const ws = await openSocket(`ws://127.0.0.1:${url.port}/rpc?token=${url.searchParams.get('token')}`);
  let id = 0;
  const reply = (method: string, input: unknown) => {
    const n = ++id;
    return bridgeReply(ws, JSON.stringify({ id: n, method, input }), n);
  };
  const call = async (method: string, input: unknown) => {
    const r = await reply(method, input);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  return { child, ws, call, reply };
}

/** Ends a process and waits until it is gone. */
async function gone(pid: number): Promise<void> {
  for (let i = 0; i < 400 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 25));
  expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
}

async function stop(serve: Serve, signal: NodeJS.Signals): Promise<void> {
  serve.ws.terminate();
  const exited = new Promise((r) => serve.child.once('exit', r));
  serve.child.kill(signal);
  await exited;
}

const hashOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).contentHash as string;
/** Installs package `name` in models/ unless it is there. */
const ensurePackage = async (name: string) => existsSync(path.join(models, name)) || (await saveTinyNetPackage(path.join(models, name), name));
const waiting = () => (existsSync(deletedDir(dataDir)) ? readdirSync(deletedDir(dataDir)) : []);

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-delete-restart-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  mkdirSync(models, { recursive: true });
  for (const name of ['knee', 'hip', 'spine']) await saveTinyNetPackage(path.join(models, name), name);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('Undo of a deleted package lasts the app session', () => {
  it('survives the engine crashing and restarting in the same lumen serve', async () => {
    const serve = await startServe();
    try {
      const knee = hashOf(path.join(models, 'knee'));
      const done = await serve.call('models.deletePackage', { packageHash: knee });
      expect(existsSync(path.join(models, 'knee'))).toBe(false);
      expect(waiting()).toEqual([done.undoId]);
      // The engine crashes (killed, no cleanup); the next request starts a new one in the same app session.
      const first = (await serve.call('engine.ping', { echo: 'x' })).pid as number;
      process.kill(first, 'SIGKILL');
      await gone(first);
      const second = (await serve.call('engine.ping', { echo: 'y' })).pid as number;
      expect(second).not.toBe(first);
      const catalog = await serve.call('models.catalog', {});
      expect(catalog.packages.map((p: { name: string }) => p.name).sort()).toEqual(['hip', 'spine']);
      // The new engine kept what waits for Undo, and Undo puts it back.
      expect(waiting()).toEqual([done.undoId]);
      expect((await serve.call('models.undoDelete', { undoId: done.undoId })).message).toBe('Put back knee.');
      expect(hashOf(path.join(models, 'knee'))).toBe(knee);
      expect(waiting()).toEqual([]);
    } finally {
      await stop(serve, 'SIGTERM');
    }
  }, 240_000);

  it('closing the app session removes for good what every engine of it deleted', async () => {
    await ensurePackage('knee');
    await ensurePackage('hip');
    const serve = await startServe();
    try {
      await serve.call('models.deletePackage', { packageHash: hashOf(path.join(models, 'knee')) });
      const first = (await serve.call('engine.ping', { echo: 'x' })).pid as number;
      process.kill(first, 'SIGKILL');
      await gone(first);
      await serve.call('models.deletePackage', { packageHash: hashOf(path.join(models, 'hip')) });
      expect(waiting()).toHaveLength(2);
    } finally {
      await stop(serve, 'SIGTERM'); // Ctrl+C: the app closes
    }
    expect(waiting()).toEqual([]);
    expect(readdirSync(models)).toEqual(['spine']);
  }, 240_000);

  it('an app session that crashed leaves its deleted packages, removed when the next engine starts', async () => {
    await ensurePackage('knee');
    const serve = await startServe();
    const engine = (await serve.call('engine.ping', { echo: 'x' })).pid as number;
    const done = await serve.call('models.deletePackage', { packageHash: hashOf(path.join(models, 'knee')) });
    await stop(serve, 'SIGKILL'); // the app crashes: nothing is removed
    await gone(engine); // its engine follows
    expect(waiting()).toEqual([done.undoId]);
    // The next app session's engine removes it for good as it starts: nothing to undo.
    const host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    try {
      const reply = await host.request('models.catalog', {});
      expect(reply.ok).toBe(true);
      expect(waiting()).toEqual([]);
      const undo = await host.request('models.undoDelete', { undoId: done.undoId });
      expect(undo.ok ? 'undone' : undo.error.message).toMatch(/^There is nothing to undo under /);
      expect(existsSync(path.join(models, 'knee'))).toBe(false);
    } finally {
      await host.close();
    }
  }, 240_000);

  it('lumen models delete removes for good, and never what an app holds for Undo', async () => {
    await ensurePackage('knee');
    await ensurePackage('hip');
    const serve = await startServe();
    try {
      const knee = hashOf(path.join(models, 'knee'));
      const done = await serve.call('models.deletePackage', { packageHash: knee });
      const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'models', 'delete', 'hip', '--yes'], { cwd: repo, env: { ...process.env, LUMEN_DATA_DIR: dataDir } });
      expect(stdout).toMatch(/^Removed hip version 1 #[0-9a-f]{12} \(hip\)\./);
      expect(existsSync(path.join(models, 'hip'))).toBe(false);
      expect(waiting()).toEqual([done.undoId]);
      expect((await serve.call('models.undoDelete', { undoId: done.undoId })).message).toBe('Put back knee.');
      expect(hashOf(path.join(models, 'knee'))).toBe(knee);
    } finally {
      await stop(serve, 'SIGTERM');
    }
  }, 240_000);
});

describe('hostile entries in deleted-packages', () => {
  let outside: string;
  const trash = () => deletedDir(dataDir);
  /** An entry as deletePackage writes one, for a package folder `what` in models/ moved to `<entry>/0`. */
  const record = (id: string, over: Record<string, unknown> = {}) => JSON.stringify({ id, pid: process.pid, session: thisProcess(), deletedAt: new Date().toISOString(), moves: [{ from: 'stolen', to: '0' }], promoted: [], ...over });

  beforeAll(async () => {
    outside = path.join(root, 'outside');
    rmSync(outside, { recursive: true, force: true });
    mkdirSync(outside);
    await saveTinyNetPackage(path.join(outside, '0'), 'outside');
    writeFileSync(path.join(outside, 'record.json'), record('link'));
    writeFileSync(path.join(outside, 'keep.txt'), 'not Lumen\'s');
    rmSync(trash(), { recursive: true, force: true });
  }, 60_000);

  const outsideIntact = () => {
    expect(readdirSync(outside).sort()).toEqual(['0', 'keep.txt', 'record.json']);
    expect(hashOf(path.join(outside, '0'))).toBeTruthy();
    expect(existsSync(path.join(models, 'stolen'))).toBe(false);
  };

  it('refuses an undo id that is not one plain name', () => {
    mkdirSync(trash(), { recursive: true });
    for (const id of ['../outside', '..', '.', 'a/b', '../../data/models']) {
      expect(() => undoDelete(dataDir, id), id).toThrow(/Refusing to undo/);
    }
    outsideIntact();
  });

  it('never follows an entry that is a symbolic link: Undo refuses, and the purge removes the link only', () => {
    symlinkSync(outside, path.join(trash(), 'link'));
    expect(() => undoDelete(dataDir, 'link')).toThrow(/^Refusing to undo "link" in .+: it leads outside that folder/);
    outsideIntact();
    // Its record names this live session: still, a link is not Lumen's entry and goes.
    purgeDeleted(dataDir, 'stale');
    expect(existsSync(path.join(trash(), 'link'))).toBe(false);
    outsideIntact();
  });

  it('never reads a record that is a symbolic link, nor puts back a moved folder that is one', () => {
    const linked = path.join(trash(), 'linked-record');
    mkdirSync(path.join(linked, '0'), { recursive: true });
    symlinkSync(path.join(outside, 'record.json'), path.join(linked, 'record.json'));
    expect(() => undoDelete(dataDir, 'linked-record')).toThrow(/^Refusing to read .+record\.json: .+record\.json is a symbolic link/);
    const moved = path.join(trash(), 'linked-move');
    mkdirSync(moved);
    writeFileSync(path.join(moved, 'record.json'), record('linked-move'));
    symlinkSync(path.join(outside, '0'), path.join(moved, '0'));
    expect(() => undoDelete(dataDir, 'linked-move')).toThrow(/^Refusing to put back "0" in .+: it leads outside that folder/);
    outsideIntact();
    // Both are stale: one has no record that reads, the other is kept while its session lives.
    purgeDeleted(dataDir, 'stale');
    expect(readdirSync(trash())).toEqual(['linked-move']);
    purgeDeleted(dataDir, 'mine');
    expect(readdirSync(trash())).toEqual([]);
    outsideIntact();
  });

  it('removes an entry whose record does not read or names no live session as stale', () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // a process that has ended
    const entries: Record<string, string> = {
      garbage: '{not json',
      shape: JSON.stringify({ id: 'shape', pid: 'x', moves: 'all' }),
      'bad-session': record('bad-session', { session: { pid: -1, host: 7 } }),
      'dead-session': record('dead-session', { pid: dead, session: { pid: dead, host: os.hostname() } }),
      'other-host': record('other-host', { session: { ...thisProcess(), host: `not-${os.hostname()}` } }),
      'outside-path': record('outside-path', { moves: [{ from: '../outside', to: '0' }] }),
    };
    for (const [name, text] of Object.entries(entries)) {
      mkdirSync(path.join(trash(), name, '0'), { recursive: true });
      writeFileSync(path.join(trash(), name, 'record.json'), text);
    }
    expect(() => undoDelete(dataDir, 'garbage')).toThrow(/does not say what was deleted/);
    expect(() => undoDelete(dataDir, 'shape')).toThrow(/does not say what was deleted/);
    expect(() => undoDelete(dataDir, 'outside-path')).toThrow(/Refusing to put back/);
    expect(purgeDeleted(dataDir, 'stale')).toBe(5);
    // The one whose record names this live app session waits for its Undo.
    expect(readdirSync(trash())).toEqual(['outside-path']);
    purgeDeleted(dataDir, 'mine');
    expect(readdirSync(trash())).toEqual([]);
    outsideIntact();
  });

  it('refuses a deleted-packages folder that is a symbolic link: nothing is removed through it', async () => {
    rmSync(trash(), { recursive: true, force: true });
    symlinkSync(outside, trash());
    try {
      expect(() => purgeDeleted(dataDir, 'stale')).toThrow(/symbolic link/);
      expect(() => undoDelete(dataDir, 'record.json')).toThrow(/symbolic link/);
      await expect(deletePackage(dataDir, path.join(models, 'spine'))).rejects.toThrow(/^Refusing to delete spine version 1 #[0-9a-f]{12}: .+deleted-packages is a symbolic link/);
      expect(existsSync(path.join(models, 'spine', 'metadata.json'))).toBe(true);
      outsideIntact();
      expect(lstatSync(trash()).isSymbolicLink()).toBe(true);
    } finally {
      rmSync(trash());
    }
  });
});

describe('the app session an engine is told of', () => {
  it('is the live process its environment names, else the engine itself', async () => {
    const app = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const named = { pid: app.pid!, host: os.hostname() };
      expect(appSession({ [APP_SESSION_ENV]: JSON.stringify(named) })).toEqual(named);
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      for (const env of [{}, { [APP_SESSION_ENV]: '{not json' }, { [APP_SESSION_ENV]: JSON.stringify({ pid: dead, host: os.hostname() }) }, { [APP_SESSION_ENV]: JSON.stringify({ ...named, host: `not-${os.hostname()}` }) }, { [APP_SESSION_ENV]: JSON.stringify({ ...named, started: '1' }) }]) {
        expect(appSession(env), JSON.stringify(env)).toEqual(thisProcess());
      }
    } finally {
      app.kill('SIGKILL');
    }
  });
});
