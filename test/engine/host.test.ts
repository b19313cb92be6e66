import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const pending = host.request('engine.sleepJob', { steps: 1, stepMs: 0 });
    await host.crashForTest();
    const reply = await pending;
    if (!reply.ok) expect(reply.error.message).toMatch(/engine stopped/);
    await waitFor((e) => e.event === 'engine.error');
    // The restarted engine is a new process that loads the native addons afresh.
    const back = await host.request('engine.ping', { echo: 'back' });
    expect(back, JSON.stringify(back)).toMatchObject({ ok: true, value: { echo: 'back' } });
    const doctor = await host.request('engine.doctor', {});
    expect(doctor.ok).toBe(true);
    const providers = (doctor as { ok: true; value: { onnxruntime: { providers: { name: string; available: boolean }[] } } }).value.onnxruntime.providers;
    expect(providers.find((p) => p.name === 'cpu')?.available).toBe(true);
  });
});
