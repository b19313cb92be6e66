// De-identified copies are counted as the app counts images (common/counts.ts): each frame of a
// multi-frame file is an image, and the files that hold them are named where they are fewer.
// One series made by GDCM's gdcmimg and dcmtk's dcmodify: a three-frame Secondary Capture and a
// single-frame one (no Number of Frames) that both say BurnedInAnnotation NO, so both are written,
// and a two-frame one that does not say, so it is held back. The CLI's lines and the engine's
// summary (the Export dialog's words come from it) count 4 images in 2 files written and
// 2 images in 1 file held back; the job's progress, made per file, says files.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { runLumen } from '../support/cli';

const STUDY = '1.2.826.0.1.3680043.10.1137.28.1';
const SERIES = `${STUDY}.1`;

/** Three Multi-frame Grayscale Word SC files of one series in `dir`: frames 3 and 1 written, 2 held back. */
function writeSeries(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, frames, burnedIn] of [['THREE', 3, 'NO'], ['ONE', 1, 'NO'], ['TWO', 2, null]] as const) {
    const raw = path.join(dir, `${name}.raw`);
    const bytes = Buffer.alloc(8 * 8 * frames * 2);
    for (let i = 0; i < bytes.length / 2; i++) bytes.writeUInt16LE((i * 37) % 4096, i * 2);
    fs.writeFileSync(raw, bytes);
    const file = path.join(dir, `${name}.dcm`);
    execFileSync('gdcmimg', ['--size', `8,8,${frames}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.7.3', '-T', STUDY, '-S', SERIES, raw, file], { stdio: 'pipe' });
    fs.rmSync(raw);
    const edits = ['-i', 'PatientName=Count^Carla', '-i', 'PatientID=K-COUNT', '-i', 'Modality=OT'];
    if (burnedIn) edits.push('-i', `BurnedInAnnotation=${burnedIn}`);
    // A single-frame file that does not give Number of Frames: it is one image.
    if (frames === 1) edits.push('-e', 'NumberOfFrames');
    execFileSync('dcmodify', ['-nb', ...edits, file], { stdio: 'pipe' });
  }
}

describe('de-identified copies of a multi-frame and a single-frame file', () => {
  // The data folder's own library, which the engine opens as the app does.
  let root: string;
  let data: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-deidentify-counts-'));
    data = path.join(root, 'data');
    writeSeries(path.join(root, 'dicom'));
    const imported = await runLumen(['import', path.join(root, 'dicom')], data);
    expect(imported.code, imported.stderr).toBe(0);
  }, 180_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('lumen export --deidentify counts the images written and held back, naming the files', async () => {
    const out = path.join(root, 'cli-copies');
    const run = await runLumen(['export', '--deidentify', SERIES, '--out', out], data);
    expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Wrote de-identified copies of 4 images (2 files) to ${out}`);
    expect(lines[1]).toBe('Held back 2 images (1 file) that have or may have text burned into their pixels (pass --include-burned-in to write them after checking).');
    expect(fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())).toHaveLength(2);

    const json = await runLumen(['export', '--deidentify', SERIES, '--out', path.join(root, 'cli-json'), '--json'], data);
    expect(json.code, `${json.stderr}${json.stdout}`).toBe(0);
    const summary = JSON.parse(json.stdout) as { written: number; writtenFrames: number; heldBack: { frames: number }[] };
    expect(summary).toMatchObject({ written: 2, writtenFrames: 4, heldBack: [{ frames: 2 }] });
  }, 120_000);

  it('the engine summary the Export dialog words carries the frames; its progress counts files', async () => {
    const events: { event: string; payload: any }[] = [];
    const ctx: RequestContext = { emit: (event, payload) => void events.push({ event, payload }) };
    const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      const started = await engine.dispatch('export.deidentify', { uid: SERIES, out: path.join(root, 'app-copies'), includeBurnedIn: true }, ctx);
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const { jobId } = (started as { value: { jobId: string } }).value;
      const ended = () => events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      await expect.poll(ended, { timeout: 60_000 }).toBeTruthy();
      const end = ended()!;
      expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
      expect(end.payload.result).toMatchObject({ written: 3, writtenFrames: 6, heldBack: [], failed: [] });
      const progress = events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId).map((e) => e.payload.message as string);
      expect(progress.length).toBeGreaterThan(0);
      for (const m of progress) expect(m).toMatch(/^De-identified [1-3] of 3 files$/);
    } finally {
      engine.dispose();
    }
  }, 120_000);
});
