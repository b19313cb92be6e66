// Task J (session 21): the job runner (electron/engine/jobs.ts) tells a cancel by its class, never
// by whether the job's signal had aborted. Every cancel point a job reaches throws a CancelledError
// (common/cancel.ts): a PACS request's (DICOMweb and DIMSE: PacsCancelledError, still a PacsError
// "cancelled" to the transfer code and the CLI) and the weights download's (DownloadCancelledError,
// which says what it kept). A failure raised after Cancel was asked for, not caused by it, is said in
// its own words. Real loopback servers: an HTTP server that sends part of a file and then waits, one
// that never answers, and a TCP peer that accepts a DICOM association and says nothing.
// Before the change: the first test fails (the runner said "Cancelled" for the failure), and so do
// the download's and the PACS requests' (a DownloadError, a plain PacsError: no cancel by class).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCancel } from '../../common/cancel';
import type { RequestContext } from '../../common/rpc';
import { JobRunner } from '../../electron/engine/jobs';
import { DicomWebClient } from '../../electron/pacs/dicomweb';
import { DimseClient } from '../../electron/pacs/dimse';
import { PacsError } from '../../electron/pacs/errors';
import { downloadVerified } from '../../electron/training/weights-download';

interface Ended {
  event: string;
  payload: { cancelled?: boolean; message?: string };
}

/** A runner and the end event of the one job it runs. */
function runOne(work: Parameters<JobRunner['start']>[2]): { jobs: JobRunner; jobId: string; ended: Promise<Ended> } {
  const jobs = new JobRunner();
  let done: (e: Ended) => void = () => {};
  const ended = new Promise<Ended>((resolve) => (done = resolve));
  const ctx = { emit: (event: string, payload: unknown) => (event === 'job.failed' || event === 'job.finished') && done({ event, payload: payload as Ended['payload'] }) } as unknown as RequestContext;
  const { jobId } = jobs.start('j21', ctx, work);
  return { jobs, jobId, ended };
}

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A loopback server on which every connection is accepted and nothing is ever said; `seen` resolves on the first. */
async function silentServer(): Promise<{ port: number; seen: Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let seen: () => void = () => {};
  const first = new Promise<void>((resolve) => (seen = resolve));
  const server = net.createServer((socket) => {
    sockets.add(socket);
    seen();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, seen: first };
}

describe('the job runner', () => {
  it('says a failure raised after Cancel in its own words, not as a cancel', async () => {
    const { jobs, jobId, ended } = runOne(async (job) => {
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
      // What the job was finishing when Cancel came failed on its own: a disk that filled, say.
      throw new Error('the library disk is full');
    });
    await new Promise((r) => setImmediate(r));
    expect(jobs.cancel(jobId)).toBe(true);
    expect(await ended).toEqual({ event: 'job.failed', payload: { jobId, kind: 'j21', cancelled: false, message: 'the library disk is full' } });
  });

  it('says a cancel as "Cancelled"', async () => {
    const { jobs, jobId, ended } = runOne(async (job) => {
      await new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve(), { once: true }));
      job.checkCancelled();
    });
    await new Promise((r) => setImmediate(r));
    jobs.cancel(jobId);
    expect((await ended).payload).toMatchObject({ cancelled: true, message: 'Cancelled' });
  });
});

describe('the weights download', () => {
  it('cancelled mid-transfer is a cancel that says what it kept, and keeps it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'weights-cancel-j21-'));
    const sockets = new Set<net.Socket>();
    // Sends the first 1000 of 5000 bytes, then waits.
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '5000' });
      res.write(Buffer.alloc(1000, 7));
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => {
      for (const s of sockets) s.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const dest = path.join(dir, 'weights.h5');
    let started: () => void = () => {};
    const received = new Promise<void>((resolve) => (started = resolve));
    let thrown: unknown;
    const { jobs, jobId, ended } = runOne((job) =>
      downloadVerified({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/weights.h5`,
        dest,
        md5: '0'.repeat(32),
        signal: job.signal,
        onProgress: (p) => p.received >= 1000 && started(),
      }).catch((err: unknown) => {
        thrown = err;
        throw err;
      }),
    );
    await received;
    expect(jobs.cancel(jobId)).toBe(true);
    expect(await ended).toEqual({
      event: 'job.failed',
      payload: { jobId, kind: 'j21', cancelled: true, message: 'Cancelled: the 1000 bytes downloaded are kept, and the next download resumes from there.' },
    });
    expect(isCancel(thrown)).toBe(true);
    expect(statSync(`${dest}.partial`).size).toBe(1000);
    expect(existsSync(dest)).toBe(false);
  });
});

describe('a PACS request cancelled while it waits', () => {
  it('over DICOMweb is a cancel, and still the PacsError "cancelled" the retrieve and the CLI know', async () => {
    const silent = await silentServer();
    const client = new DicomWebClient({ name: 'silent', kind: 'dicomweb', url: `http://127.0.0.1:${silent.port}/dicom-web`, auth: 'none' }, null, { timeoutMs: 60_000 });
    const stop = new AbortController();
    const asked = client.searchSeries('1.2.3.4', stop.signal).then(
      () => null,
      (err: unknown) => err,
    );
    await silent.seen;
    stop.abort();
    const err = await asked;
    expect(isCancel(err)).toBe(true);
    expect(err).toBeInstanceOf(PacsError);
    expect(err).toMatchObject({ message: 'cancelled', scope: 'connection' });
  });

  it('over DIMSE is a cancel, and in a job says so', async () => {
    const silent = await silentServer();
    const client = new DimseClient({ name: 'silent', kind: 'dimse', calledAet: 'SILENT', host: '127.0.0.1', port: silent.port, callingAet: 'LUMEN' }, { timeoutMs: 60_000 });
    let thrown: unknown;
    const { jobs, jobId, ended } = runOne((job) =>
      client.findSeries('1.2.3.4', job.signal).catch((err: unknown) => {
        thrown = err;
        throw err;
      }),
    );
    await silent.seen;
    expect(jobs.cancel(jobId)).toBe(true);
    expect((await ended).payload).toMatchObject({ cancelled: true, message: 'cancelled' });
    expect(isCancel(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(PacsError);
    // A failure of the PACS is no cancel.
    expect(isCancel(new PacsError('PACS "silent" refused the association.'))).toBe(false);
  });
});
