// Issue #12, point 14: with no PACS configured, import, view, predict and train
// open no connection, except the loopback bridge when it is in use. The real
// `lumen` commands run with network-hook.mjs in every Node process and worker
// they start (the engine, the decode pool, the WebGPU probe), and under strace
// where it works (native code too); where unshare works, the flow also runs in
// a network namespace that has no network at all.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { packagesDir } from '../../electron/engine/predict/packages';
import { hookRecords, isLoopbackTarget, networkUse, runWatched, straceAddresses, straceWorks, unshareWorks, watchedSpawnArgs, type HookRecord } from '../support/network-watch';
import { launchChromium } from '../support/browser';
import { bridgeMessage } from '../support/bridge-socket';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

const repo = path.resolve(__dirname, '../..');
const lumenBin = path.join(repo, 'bin/lumen.mjs');
const withStrace = straceWorks();
const withNamespace = unshareWorks();
let root: string;
let set: PhantomSet;
/** The package the command-line flow trains; the bridge flow predicts with it. */
let trained: { dir: string; contentHash: string } | undefined;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-no-network-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 12, slices: 1, seed: 12 });
  if (!withNamespace) console.warn('no-network: unshare cannot make a network namespace here (needs root or user namespaces); the isolated run is skipped.');
  if (!withStrace) console.warn('no-network: strace cannot trace here (not installed, or ptrace not allowed); only the JavaScript hook watches.');
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh folder for one run's logs and data. */
function runDir(name: string): string {
  return mkdtempSync(path.join(root, `${name}-`));
}

function describeRecords(records: HookRecord[]): string {
  return records.map((r) => `${r.kind} ${r.target}${r.blocked ? ' (blocked)' : ''} [pid ${r.pid}]`).join('\n');
}

/** The command-line flow: import, ls, view (render), train, predict. Returns the trained package. */
async function commandLineFlow(dir: string, isolated: boolean) {
  const log = path.join(dir, 'network.jsonl');
  const strace = withStrace ? path.join(dir, 'strace.txt') : undefined;
  const library = path.join(dir, 'library');
  const pkg = path.join(dir, 'package');
  const env = { ...process.env, LUMEN_DATA_DIR: path.join(dir, 'data') };
  const straceFiles: string[] = [];
  const lumen = async (...args: string[]) => {
    // One strace file per command: -o overwrites.
    const file = strace && `${strace}.${straceFiles.length + 1}`;
    if (file) straceFiles.push(file);
    const r = await runWatched([process.execPath, lumenBin, ...args], { env, log, strace: file, isolated, cwd: repo });
    expect(r.code, `lumen ${args[0]}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  const imported = JSON.parse(await lumen('import', set.dir, '--library', library, '--json'));
  expect(imported).toMatchObject({ imported: set.patients.length, errors: [] });
  const listed = JSON.parse(await lumen('ls', '--library', library, '--json'));
  expect(listed.patients).toHaveLength(set.patients.length);
  const png = path.join(dir, 'view.png');
  await lumen('render', path.join(set.dir, `${set.patients[0].patientId}_1.dcm`), '--out', png);
  const training = JSON.parse(
    await lumen('train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '48', '--epochs', '2', '--seed', '3', '--out', pkg, '--json'),
  );
  expect(training.classNames).toEqual(['elongated', 'none', 'round']);
  const predicted = JSON.parse(await lumen('predict', '--model', pkg, '--library', library, '--series', set.patients[0].seriesUid, '--json'));
  expect(predicted.images).toHaveLength(1);
  return { log, straceFiles, pkg: { dir: pkg, contentHash: training.package.contentHash as string } };
}

function expectNoNetwork(log: string, straceFiles: string[]) {
  const records = hookRecords(log);
  expect(describeRecords(networkUse(records))).toBe('');
  // File-system sockets stay on this machine, but each should be known: tsx's own pipe to its parent.
  expect(describeRecords(records.filter((r) => r.kind === 'unix' && !/\/tsx-\d+\/\d+\.pipe$/.test(r.target)))).toBe('');
  for (const file of straceFiles) expect(straceAddresses(file).map((a) => a.line)).toEqual([]);
  return records;
}

describe('no network use', () => {
  it('the hook catches and blocks planted connections before they are made, in a process, its children and its workers', async () => {
    const dir = runDir('planted');
    const log = path.join(dir, 'network.jsonl');
    const strace = withStrace ? path.join(dir, 'strace.txt') : undefined;
    const r = await runWatched([process.execPath, path.join(__dirname, 'plant-connections.mjs')], { env: process.env, log, strace, cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const outcome = JSON.parse(r.stdout);
    // Every attempt, in all three places, ended with the hook's refusal, not a network error.
    for (const where of ['main', 'child', 'worker']) {
      for (const [attempt, result] of Object.entries(outcome[where])) expect(`${where} ${attempt}: ${result}`).toBe(`${where} ${attempt}: LUMEN_NETWORK_BLOCKED`);
    }
    const records = hookRecords(log);
    const caught = networkUse(records);
    // What the flow tests assert empty is not empty here: they can fail.
    expect(caught.length).toBeGreaterThanOrEqual(3 * 8);
    expect(caught.every((c) => c.blocked)).toBe(true);
    expect(new Set(caught.map((c) => c.kind))).toEqual(new Set(['fetch', 'connect', 'http', 'https', 'dns', 'udp']));
    expect(caught.some((c) => c.target === '10.0.0.1:80')).toBe(true);
    expect(caught.some((c) => c.target === 'example.com')).toBe(true);
    expect(new Set(caught.map((c) => c.pid)).size).toBe(2); // this process (and its worker) and the child
    expect(caught.some((c) => c.thread !== 0)).toBe(true);
    // No connect, send or bind to any IP address reached the kernel.
    if (strace) expect(straceAddresses(strace).map((a) => a.line)).toEqual([]);
  });

  it('import, ls, view, train and predict from the lumen command open no connection', async () => {
    const flow = await commandLineFlow(runDir('cli'), false);
    trained = flow.pkg;
    const records = expectNoNetwork(flow.log, flow.straceFiles);
    // The hook really was in every process: each command, the WebGPU probe and the decode pool's workers.
    const started = records.filter((r) => r.kind === 'process').map((r) => r.target);
    for (const command of ['import', 'ls', 'render', 'train', 'predict']) expect(started.some((t) => t.includes(`lumen.mjs ${command} `))).toBe(true);
    expect(records.some((r) => r.kind === 'thread' && r.target.includes('decode-worker'))).toBe(true);
  }, 180_000);

  it('the browser bridge listens on loopback only, the engine behind it imports, shows and predicts without a connection, and the UI requests nothing from elsewhere', async () => {
    expect(trained, 'the command-line flow above trains the package this test predicts with').toBeDefined();
    const dir = runDir('bridge');
    const log = path.join(dir, 'network.jsonl');
    const strace = withStrace ? path.join(dir, 'strace.txt') : undefined;
    const dataDir = path.join(dir, 'data');
    cpSync(trained!.dir, path.join(packagesDir(dataDir), 'trained'), { recursive: true });
    const { command, args, env } = watchedSpawnArgs([process.execPath, lumenBin, 'serve', '--data-dir', dataDir, '--backend', 'cpu'], { env: process.env, log, strace });
    const serve = spawn(command, args, { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    serve.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => serve.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (d) => {
          out += d;
          const m = /serving at (\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        serve.on('close', () => reject(new Error(`lumen serve stopped: ${stderr}`)));
      });
      const { port, searchParams } = new URL(url);
      const ws = new WebSocket(`ws://127.0.0.1:${port}/rpc?token=${searchParams.get('token')}`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const events: { event: string; payload: any }[] = [];
      const replies = new Map<number, (reply: any) => void>();
      ws.on('message', (data, isBinary) => {
        const m = bridgeMessage(data, isBinary);
        if (m.event) events.push(m);
        else replies.get(m.id)?.(m.reply);
      });
      let nextId = 1;
      const call = (method: string, input: unknown) =>
        new Promise<any>((resolve) => {
          const id = nextId++;
          replies.set(id, resolve);
          ws.send(JSON.stringify({ id, method, input }));
        }).then((reply) => {
          expect(reply.ok, `${method}: ${JSON.stringify(reply.error)}`).toBe(true);
          return reply.value;
        });
      const job = async (method: string, input: unknown) => {
        const { jobId } = await call(method, input);
        for (;;) {
          const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
          if (end) {
            expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
            return end.payload.result;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      };

      expect(await job('library.import', { paths: [set.dir] })).toMatchObject({ imported: set.patients.length, errors: [] });
      const studies = await call('library.studies', {});
      expect(studies).toHaveLength(set.patients.length);
      const seriesUid = set.patients[0].seriesUid;
      const series = await call('library.series', { seriesInstanceUid: seriesUid });
      const image = series.images[0];
      await call('viewer.frame', { seriesInstanceUid: seriesUid, sopInstanceUid: image.sopInstanceUid, frame: image.frame });
      await call('library.thumbnail', { seriesInstanceUid: seriesUid });
      const prediction = await job('predict.run', { packageHash: trained!.contentHash, scope: 'series', seriesInstanceUid: seriesUid });
      expect(prediction.images).toHaveLength(1);
      ws.close();

      // The UI itself, in Chromium: every request the page makes goes to the bridge (or stays in the page).
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        const requested: string[] = [];
        page.on('request', (request) => requested.push(request.url()));
        page.on('websocket', (socket) => requested.push(socket.url()));
        await page.goto(url);
        await page.getByTestId('series-card').first().click();
        await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
        expect(requested.length).toBeGreaterThan(0);
        const elsewhere = requested.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && !new RegExp(`^(http|ws)://127\\.0\\.0\\.1:${port}/`).test(u));
        expect(elsewhere).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      // The hook names the serve process; strace (when it runs) is its parent and waits for it.
      const servePid = hookRecords(log).find((r) => r.kind === 'process' && r.target.includes('lumen.mjs serve'))?.pid;
      if (servePid) process.kill(servePid, 'SIGTERM');
      else serve.kill('SIGTERM');
      await exited;
    }

    const records = hookRecords(log);
    const used = networkUse(records);
    // The one way in or out is the bridge's socket, on loopback.
    expect(used.filter((r) => r.blocked || !isLoopbackTarget(r.target)).map((r) => `${r.kind} ${r.target}`)).toEqual([]);
    const servePid = records.find((r) => r.kind === 'process' && r.target.includes('lumen.mjs serve'))!.pid;
    expect(used.filter((r) => r.kind === 'listen').map((r) => [r.pid, r.target.replace(/:\d+$/, '')])).toEqual([[servePid, '127.0.0.1']]);
    // The engine child was watched, and it used no network, not even loopback.
    const engine = records.find((r) => r.kind === 'process' && r.target.includes('worker-boot'));
    expect(engine).toBeDefined();
    expect(used.filter((r) => r.pid === engine!.pid)).toEqual([]);
    if (strace) {
      const addresses = straceAddresses(strace);
      expect(addresses.filter((a) => !isLoopbackTarget(a.address)).map((a) => a.line)).toEqual([]);
      expect(addresses.some((a) => a.address === '127.0.0.1' && a.line.includes('bind('))).toBe(true); // strace saw the bridge's socket
    }
  }, 180_000);

  it.skipIf(!withNamespace)('the whole command-line flow works in a network namespace with no network at all', async () => {
    const flow = await commandLineFlow(runDir('isolated'), true);
    expectNoNetwork(flow.log, flow.straceFiles);
  }, 180_000);
});
