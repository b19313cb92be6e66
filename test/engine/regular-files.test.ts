// A FIFO or a device given where a file is expected (a label CSV, a model
// package, a DICOM import) used to freeze the engine for good: opening a FIFO
// blocks until a writer comes, and /dev/zero never ends. Through the real
// engine process, each now answers at once with a clear error, and the engine
// keeps answering.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';

describe('the engine given a FIFO or a device for a file', () => {
  let host: EngineHost;
  let dataDir: string;
  let dir: string;
  const events: { event: string; payload: any }[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-fifo-data-'));
    dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-fifo-'));
    // Deadlines well above what a refusal takes, so that the old code's endless
    // wait shows up as a failed test rather than a hung one.
    const deadline = 30_000;
    host = new EngineHost({
      dataDir,
      shell: 'cli',
      backend: 'cpu',
      timeouts: { requests: { 'training.labels.importCsv': deadline, 'models.importPackage': deadline, 'training.importPackage': deadline }, ping: 5000, heartbeat: 5000 },
    });
    host.onEvent((event, payload) => events.push({ event, payload }));
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const fifo = (name: string) => {
    const p = path.join(dir, name);
    execFileSync('mkfifo', [p]);
    return p;
  };
  /** A device that never ends: /dev/zero's own node (c 1 5) where we may make one, else a link to it. */
  const zero = (name: string) => {
    const p = path.join(dir, name);
    try {
      execFileSync('mknod', [p, 'c', '1', '5'], { stdio: 'ignore' });
    } catch {
      symlinkSync('/dev/zero', p);
    }
    return p;
  };
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** The refusal names the path as given, or where its links lead (/dev/zero). */
  const refusal = (file: string, kind: string) => new RegExp(`(${escape(file)}|${escape(realpathSync(file))}) is not a regular file \\(${kind}\\)`);
  const stillAnswers = async () => expect(await host.request('engine.ping', { echo: 'still here' })).toMatchObject({ ok: true, value: { echo: 'still here' } });
  const jobEnd = async (jobId: string) => {
    for (;;) {
      const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      if (end) return end;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('refuses them as a label CSV', async () => {
    for (const [file, kind] of [[fifo('labels.csv'), 'a FIFO'], [zero('zero.csv'), 'a device']]) {
      const reply = await host.request('training.labels.importCsv', { path: file });
      expect(reply).toMatchObject({ ok: false, error: { code: 'handler_failed' } });
      expect(!reply.ok && reply.error.message).toMatch(refusal(file, kind));
    }
    await stillAnswers();
  });

  it('refuses them as a model package, through either request', async () => {
    const files: [string, string][] = [[fifo('model.lumenpkg'), 'a FIFO'], [zero('zero.lumenpkg'), 'a device']];
    for (const method of ['models.importPackage', 'training.importPackage']) {
      for (const [file, kind] of files) {
        const reply = await host.request(method, { file });
        expect(reply, method).toMatchObject({ ok: false, error: { code: 'handler_failed' } });
        expect(!reply.ok && reply.error.message).toMatch(refusal(file, kind));
      }
    }
    await stillAnswers();
  });

  it('skips them when importing DICOM, named one by one, given directly or inside a folder', async () => {
    const folder = path.join(dir, 'study');
    mkdirSync(folder);
    const direct = [fifo('image.dcm'), zero('zero.dcm')];
    const inside = [fifo('study/slice1.dcm'), zero('study/slice2.dcm')];
    const reply = await host.request('library.import', { paths: [...direct, folder] });
    expect(reply.ok).toBe(true);
    const end = await jobEnd((reply as { ok: true; value: { jobId: string } }).value.jobId);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    const reported = end.payload.result.errors as { file: string; reason: string }[];
    const stored = (await host.request('library.importErrors', {})) as { ok: true; value: { file: string; reason: string }[] };
    expect(stored.ok).toBe(true);
    for (const errors of [reported, stored.value]) {
      for (const [file, kind] of [[direct[0], 'a FIFO'], [direct[1], 'a device'], [inside[0], 'a FIFO'], [inside[1], 'a device']]) {
        const error = errors.find((e) => e.file === file);
        expect(error?.reason, `${file} in ${JSON.stringify(errors)}`).toMatch(new RegExp(`not a regular file \\(${kind}\\)`));
      }
    }
    await stillAnswers();
  });
});
