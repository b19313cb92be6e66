// Lumen under a second runtime. The desktop app runs the engine under
// Electron's Node (another NODE_MODULE_VERSION than the system Node that ran
// `npm ci`); Electron cannot be downloaded here, so Node 24 (the Node inside
// Electron 45, NODE_MODULE_VERSION 137) stands in for it: after the README's
// step for a second runtime (`npm run native -- --node <node>`), the CLI and
// the engine open a library, import DICOM written by dcmtk, train and
// predict under it, while the system Node keeps its own build. And before
// that step, the load fails saying what happened and what to run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { forkEngine } from '../../electron/engine/spawn';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { installNode } from '../support/node-runtime';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
// The second runtime: Node 24 (as in Electron 45), or Node 22 where the system Node is 24 already.
const secondMajor = process.versions.node.startsWith('24.') ? 22 : 24;
let secondNode: string;
let secondAbi: string;
let root: string;
let set: PhantomSet;

async function lumenUnder(node: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(node, [path.join(repo, 'bin/lumen.mjs'), ...args], {
      cwd: repo,
      env: { ...process.env, LUMEN_DATA_DIR: path.join(root, 'data'), ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.skipIf(!linuxX64)(`Lumen under Node ${secondMajor} beside the system Node`, () => {
  beforeAll(async () => {
    secondNode = installNode(secondMajor);
    secondAbi = execFileSync(secondNode, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
    expect(secondAbi).not.toBe(process.versions.modules);
    // The documented step; compiling SQLite takes minutes, so a build from an earlier run is kept.
    if (!existsSync(path.join(repo, `native/node-abi${secondAbi}-linux-x64/better_sqlite3.node`))) {
      execFileSync(process.execPath, ['scripts/native.mjs', '--node', secondNode], { cwd: repo, stdio: 'inherit', timeout: 20 * 60_000 });
    }
    root = mkdtempSync(path.join(os.tmpdir(), 'lumen-secondNode-'));
    // Phantoms re-encoded by dcmtk (RLE Lossless): files another toolkit wrote, decoded by Lumen's codecs under Node 24.
    set = writePhantomSet(path.join(root, 'written'), { patients: 24, slices: 1, size: 48, seed: 24 });
    mkdirSync(path.join(root, 'dicom'));
    for (const name of readdirSync(set.dir).filter((f) => !f.endsWith('.csv'))) {
      execFileSync('dcmcrle', [path.join(set.dir, name), path.join(root, 'dicom', name)]);
    }
  }, 25 * 60_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('before the step, says the build is for another runtime and the command that fixes it', async () => {
    // An empty native/ folder: Node 24 finds only the system Node's build (NODE_MODULE_VERSION 115).
    const empty = path.join(root, 'no-native');
    mkdirSync(empty);
    const r = await lumenUnder(secondNode, ['import', path.join(root, 'dicom'), '--library', path.join(root, 'wrong-abi')], { LUMEN_NATIVE_DIR: empty });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Lumen's SQLite module (better-sqlite3) was built for another runtime (NODE_MODULE_VERSION ${process.versions.modules})`);
    expect(r.stderr).toMatch(new RegExp(`cannot load in Node ${secondMajor}\\.\\d+\\.\\d+ \\(NODE_MODULE_VERSION ${secondAbi}\\)`));
    expect(r.stderr).toContain(`npm run native -- --node ${secondNode}`);
    expect(r.stderr).not.toMatch(/permissions|choose another folder/i);
    expect(r.stderr).not.toMatch(/Please try re-compiling|npm rebuild/); // the loader's own advice would break the system Node's build
  }, 120_000);

  it(`the CLI opens a library, imports dcmtk-made DICOM, trains and predicts (ONNX Runtime) under Node ${secondMajor}`, async () => {
    const library = path.join(root, 'library');
    const imported = await lumenUnder(secondNode, ['import', path.join(root, 'dicom'), '--library', library, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 24 });

    const out = path.join(root, 'pkg');
    // At the smallest resolution: what runs under Node 24 (TF.js training, its checkpoint after
    // each epoch, the ONNX export) is the same at any size; the 48 px images are resampled.
    const trained = await lumenUnder(secondNode, ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-4', '--from-scratch', '--resolution', '32', '--epochs', '2', '--seed', '4', '--out', out, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(existsSync(path.join(out, 'model.onnx'))).toBe(true);

    const series = set.patients[0].seriesUid;
    const predicted = await lumenUnder(secondNode, ['predict', '--model', out, '--library', library, '--series', series, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    expect(p.images).toHaveLength(1);
    expect(p.images[0].scores).toHaveLength(3);

    // The system Node still opens the same library with its own build: the step replaced nothing.
    const listed = await lumenUnder(process.execPath, ['ls', '--library', library, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
  }, 600_000);

  it(`the engine runs as a Node ${secondMajor} process: imports and predicts through the host`, async () => {
    const dataDir = path.join(root, 'engine-data');
    const host = new EngineHost({ dataDir, shell: 'cli', backend: 'cpu', spawn: forkEngine({ execPath: secondNode }) });
    const events: { event: string; payload: any }[] = [];
    host.onEvent((event, payload) => events.push({ event, payload }));
    const finished = async (jobId: string) => {
      for (let waited = 0; waited < 300_000; waited += 100) {
        const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
        if (end) return end;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`job ${jobId} did not end`);
    };
    try {
      const pong = await host.request('engine.ping', { echo: 'secondNode' });
      expect(pong.ok, JSON.stringify(pong)).toBe(true);
      const pid = (pong as { ok: true; value: { pid: number } }).value.pid;
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(secondNode);

      const started = await host.request('library.import', { paths: [path.join(root, 'dicom')] });
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const imported = await finished((started as any).value.jobId);
      expect(imported.event, JSON.stringify(imported.payload)).toBe('job.finished');

      const studies = await host.request('library.studies', {});
      expect(studies.ok, JSON.stringify(studies)).toBe(true);
      expect((studies as { ok: true; value: unknown[] }).value).toHaveLength(24);

      const predict = await host.request('training.predict', { packageDir: path.join(root, 'pkg'), seriesUid: set.patients[1].seriesUid });
      expect(predict.ok, JSON.stringify(predict)).toBe(true);
      const predicted = await finished((predict as any).value.jobId);
      expect(predicted.event, JSON.stringify(predicted.payload)).toBe('job.finished');
    } finally {
      await host.close();
    }
  }, 600_000);
});
