// The engine worker as the desktop app runs it: in an Electron utility process
// it has no process.send, only process.parentPort (postMessage, and 'message'
// events whose data is the message). Electron cannot run here, so a forked
// Node gets that channel from test/support/parent-port-shim.mjs; the host's
// side is the same EngineProcess interface the utility process adapter offers.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { childEngine, type SpawnEngine } from '../../electron/engine/spawn';

const shim = path.resolve(__dirname, '../support/parent-port-shim.mjs');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-parent-port-'));

const withParentPort: SpawnEngine = (workerPath, env) => {
  const child = fork(workerPath, [], { env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--import', shim] });
  return childEngine(child);
};

const host = new EngineHost({ dataDir, shell: 'electron', backend: 'cpu', spawn: withParentPort });
afterAll(async () => {
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the engine worker over a utility-process channel', () => {
  it('answers requests through process.parentPort alone', async () => {
    const pong = await host.request('engine.ping', { echo: 'port' });
    expect(pong, JSON.stringify(pong)).toMatchObject({ ok: true, value: { echo: 'port' } });
    const studies = await host.request('library.studies', {});
    expect(studies, JSON.stringify(studies)).toMatchObject({ ok: true, value: [] });
  }, 120_000);

  it('is replaced by a fresh one after a crash', async () => {
    const first = (await host.request('engine.ping', { echo: 'a' })) as { ok: true; value: { pid: number } };
    await host.crashForTest();
    const second = (await host.request('engine.ping', { echo: 'b' })) as { ok: true; value: { pid: number } };
    expect(second.ok).toBe(true);
    expect(second.value.pid).not.toBe(first.value.pid);
  }, 120_000);
});
