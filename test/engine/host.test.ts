import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineHost } from '../../electron/engine/host';

function collect(host: EngineHost) {
  const events: { event: string; payload: any }[] = [];
  host.onEvent((event, payload) => events.push({ event, payload }));
  const waitFor = (pred: (e: { event: string; payload: any }) => boolean, ms = 20_000) =>
    new Promise<{ event: string; payload: any }>((resolve, reject) => {
      const started = Date.now();
      const tick = () => {
        const hit = events.find(pred);
        if (hit) return resolve(hit);
        if (Date.now() - started > ms) return reject(new Error('timed out waiting for an event'));
        setTimeout(tick, 20);
      };
      tick();
    });
  return { events, waitFor };
}

describe.each([
  ['the TypeScript worker (tsx)', undefined],
  ['the bundled worker the desktop app ships', path.resolve('dist/electron/engine-worker.cjs')],
])('the engine host with %s', (_label, workerPath) => {
  let host: EngineHost;
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-host-'));
    host = new EngineHost({ dataDir, shell: 'cli', workerPath, backend: 'cpu' });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers requests from its own engine process', async () => {
    const reply = await host.request('engine.ping', { echo: 'hello' });
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, value: { echo: 'hello' } });
    const pid = (reply as { ok: true; value: { pid: number } }).value.pid;
    expect(pid).not.toBe(process.pid);
  });

  it('reports the engine runtime through app.info', async () => {
    const reply = await host.request('app.info', {});
    expect(reply.ok).toBe(true);
    if (reply.ok) {
      const info = reply.value as any;
      expect(info.engine.activeBackend).toBe('cpu');
      expect(info.dataDir).toBe(dataDir);
      expect(info.engine.backends.map((b: any) => b.name)).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    }
  });

  it('refuses a malformed request before it reaches the worker and stays up', async () => {
    const bad = await host.request('engine.ping', { echo: { nested: true } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const unknown = await host.request('engine.format_disk', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    const mainOnly = await host.request('dialog.openFolder', {});
    expect(mainOnly).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await host.request('engine.ping', { echo: 'still here' })).toMatchObject({ ok: true });
  });

  it('streams job progress and finishes', async () => {
    const { events, waitFor } = collect(host);
    const reply = await host.request('engine.sleepJob', { steps: 5, stepMs: 150 });
    expect(reply.ok).toBe(true);
    const { jobId } = (reply as any).value;
    const done = await waitFor((e) => e.event === 'job.finished' && e.payload.jobId === jobId);
    expect(done.payload.result).toEqual({ steps: 5 });
    const progress = events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId).map((e) => e.payload.fraction);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('cancels a running job', async () => {
    const { waitFor } = collect(host);
    const reply = await host.request('engine.sleepJob', { steps: 1000, stepMs: 20 });
    const { jobId } = (reply as any).value;
    await waitFor((e) => e.event === 'job.progress' && e.payload.jobId === jobId);
    expect(await host.request('job.list', {})).toMatchObject({ ok: true, value: [{ jobId, kind: 'sleep' }] });
    expect(await host.request('job.cancel', { jobId })).toEqual({ ok: true, value: { cancelled: true } });
    const failed = await waitFor((e) => e.event === 'job.failed' && e.payload.jobId === jobId);
    expect(failed.payload.cancelled).toBe(true);
    expect(await host.request('job.cancel', { jobId })).toEqual({ ok: true, value: { cancelled: false } });
  });

  it('survives a worker crash: pending requests fail clearly and the next one restarts it', async () => {
    const { waitFor } = collect(host);
    const first = await host.request('engine.ping', { echo: 'a' });
    expect(first.ok).toBe(true);
    const running = await host.request('engine.sleepJob', { steps: 10_000, stepMs: 20 });
    const { jobId } = (running as { ok: true; value: { jobId: string } }).value;
    const pending = host.request('engine.sleepJob', { steps: 1, stepMs: 0 });
    await host.crashForTest();
    const reply = await pending;
    if (!reply.ok) expect(reply.error.message).toMatch(/engine stopped/);
    await waitFor((e) => e.event === 'engine.error');
    // A job the engine was running ends for whoever follows it, instead of spinning forever.
    const failed = await waitFor((e) => e.event === 'job.failed' && e.payload.jobId === jobId);
    expect(failed.payload).toMatchObject({ cancelled: false, message: expect.stringMatching(/engine stopped/) });
    // The restarted engine is a new process that loads the native addons afresh.
    const back = await host.request('engine.ping', { echo: 'back' });
    expect(back, JSON.stringify(back)).toMatchObject({ ok: true, value: { echo: 'back' } });
    const doctor = await host.request('engine.doctor', {});
    expect(doctor.ok).toBe(true);
    const providers = (doctor as { ok: true; value: { onnxruntime: { providers: { name: string; available: boolean }[] } } }).value.onnxruntime.providers;
    expect(providers.find((p) => p.name === 'cpu')?.available).toBe(true);
  });
});

describe('the engine host watching a stuck engine', () => {
  let dataDir: string;
  const stopped: number[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-host-stuck-'));
  });
  afterAll(() => {
    // An engine a failed test left stopped: end it (the host may not have).
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Freeze the engine process for real, as a blocking read would: it answers nothing. */
  async function stopEngine(host: EngineHost): Promise<number> {
    const reply = await host.request('engine.ping', { echo: 'before' });
    expect(reply.ok).toBe(true);
    const pid = (reply as { ok: true; value: { pid: number } }).value.pid;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    return pid;
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('answers a request the engine never answers with an error naming it, restarts the engine, and the next request works', async () => {
    const host = new EngineHost({ dataDir, shell: 'cli', backend: 'cpu', timeouts: { requests: { 'engine.ping': 1000 }, ping: 1000 } });
    try {
      const { waitFor } = collect(host);
      const pid = await stopEngine(host);
      const reply = await host.request('engine.ping', { echo: 'stuck?' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'timeout', method: 'engine.ping' } });
      expect(!reply.ok && reply.error.message).toMatch(/"engine\.ping"/);
      const error = await waitFor((e) => e.event === 'engine.error');
      expect(error.payload.message).toMatch(/stopped answering/);
      const back = await host.request('engine.ping', { echo: 'back' });
      expect(back, JSON.stringify(back)).toMatchObject({ ok: true, value: { echo: 'back' } });
      expect((back as { ok: true; value: { pid: number } }).value.pid).not.toBe(pid);
      await vi.waitFor(() => expect(alive(pid)).toBe(false));
    } finally {
      await host.close();
    }
  });

  it('keeps an engine that is only slow: it answers the ping, so it is not restarted', async () => {
    const host = new EngineHost({ dataDir, shell: 'cli', backend: 'cpu', timeouts: { requests: { 'engine.ping': 1000 }, ping: 10_000 } });
    try {
      const { events } = collect(host);
      const pid = await stopEngine(host);
      const reply = await host.request('engine.ping', { echo: 'slow' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'timeout' } });
      process.kill(pid, 'SIGCONT'); // before the watchdog's ping runs out
      const next = await host.request('engine.ping', { echo: 'same' });
      expect(next).toMatchObject({ ok: true, value: { echo: 'same', pid } });
      expect(events.filter((e) => e.event === 'engine.error')).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('fails a running job whose engine stops answering, and restarts the engine', async () => {
    const host = new EngineHost({ dataDir, shell: 'cli', backend: 'cpu', timeouts: { ping: 1000, heartbeat: 300 } });
    try {
      const { waitFor } = collect(host);
      const started = await host.request('engine.sleepJob', { steps: 10_000, stepMs: 20 });
      const { jobId } = (started as { ok: true; value: { jobId: string } }).value;
      await waitFor((e) => e.event === 'job.progress' && e.payload.jobId === jobId);
      const pid = await stopEngine(host);
      const failed = await waitFor((e) => e.event === 'job.failed' && e.payload.jobId === jobId);
      expect(failed.payload).toMatchObject({ kind: 'sleep', cancelled: false });
      expect(failed.payload.message).toMatch(/engine stopped answering/);
      const back = await host.request('engine.ping', { echo: 'back' });
      expect(back).toMatchObject({ ok: true, value: { echo: 'back' } });
      expect((back as { ok: true; value: { pid: number } }).value.pid).not.toBe(pid);
    } finally {
      await host.close();
    }
  });
});
