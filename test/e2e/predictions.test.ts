// Issue #14: one prediction path. Scores made with `lumen predict` in a terminal show in the
// app for EVERY frame of a multi-frame image (one store keyed by image and frame, as
// `lumen predictions` lists it), and the Classifier panel names the runtime Run uses and
// measures its latency on that same runtime (the audit log names it for Run too).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { ctSlice } from '../support/dicom/phantom';
import { addLesion } from '../support/phantom-series';
import { writeImage } from '../support/dicom/write';
import { saveRandomHeadPackage } from '../support/tiny-package';

const repo = path.resolve(__dirname, '../..');
const FRAMES = 3;
const SIZE = 64;
const UID = '1.2.826.0.1.3680043.10.99.14';
const SERIES = `${UID}.2`;
const SOP = `${UID}.3`;

async function lumen(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return stdout;
}

describe('predictions from the CLI in the app, and the runtime Run uses', () => {
  let packageDir: string;
  const session = useUiSession('lumen-predictions', async (dataDir) => {
    // One CT image of three frames (each a different slice).
    const incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    const pixels = new Int16Array(FRAMES * SIZE * SIZE);
    for (let f = 0; f < FRAMES; f++) {
      // Each frame its own: a bright lesion, larger and elsewhere from frame to frame.
      const slice = ctSlice(SIZE, SIZE, 40 + f, 15);
      addLesion(slice, SIZE, 16 + 14 * f, 20 + 10 * f, 4 + 5 * f);
      pixels.set(slice, f * SIZE * SIZE);
    }
    writeImage(path.join(incoming, 'multi.dcm'), {
      rows: SIZE,
      columns: SIZE,
      frames: FRAMES,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      modality: 'CT',
      rescaleSlope: 1,
      rescaleIntercept: 0,
      pixelBytes: new Uint8Array(pixels.buffer),
      uid: UID,
    });
    // A tiny two-class package (untrained weights, a random head: the scores only have to be the model's, each frame its own).
    packageDir = path.join(dataDir, 'models', 'frames');
    await saveRandomHeadPackage(
      packageDir,
      { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 },
      { name: 'frames', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
    const library = path.join(dataDir, 'library');
    await lumen(['import', incoming, '--library', library]);
    await lumen(['predict', '--model', packageDir, '--library', library, '--series', SERIES]);
  });

  it('shows every frame scored by lumen predict, and names the runtime Run and the latency use', async () => {
    const { dataDir } = session();
    const library = path.join(dataDir, 'library');
    const listed = JSON.parse(await lumen(['predictions', '--series', SERIES, '--library', library, '--json']));
    expect(listed.predictions).toHaveLength(1);
    const cli = listed.predictions[0];
    expect(cli.images.map((i: { sopInstanceUid: string; frame: number }) => [i.sopInstanceUid, i.frame])).toEqual([0, 1, 2].map((f) => [SOP, f]));
    const percent = (scores: number[]) => scores.map((s) => `${(s * 100).toFixed(1)}%`);
    // The frames differ, so a frame showing another frame's scores would be seen.
    expect(new Set(cli.images.map((i: { scores: number[] }) => percent(i.scores).join())).size).toBe(FRAMES);

    const { page, errors } = await openApp(session());
    // The engine's first answer waits for its backend probes (child processes): slow on a loaded machine.
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${FRAMES}` }).waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: 'frames' }).waitFor({ timeout: 60_000 });

    // The stored prediction comes back without Run: each frame has its own scores.
    await page.getByRole('heading', { name: new RegExp(`^Series \\(${FRAMES} images`) }).waitFor({ timeout: 30_000 });
    const bars = page.getByRole('button', { name: /^Go to image with/ });
    expect(await bars.count()).toBe(FRAMES);
    for (let f = 0; f < FRAMES; f++) {
      await bars.nth(f).click();
      await page.getByTestId('image-index').filter({ hasText: `Im ${f + 1}/${FRAMES}` }).waitFor();
      // The panel shows this frame's scores from the CLI (each class with its percentage).
      const shown = (await page.getByTestId('image-scores').locator('.score-value').allTextContents()).sort();
      expect(shown).toEqual(percent(cli.images[f].scores).sort());
    }
    await page.screenshot({ path: path.join(resultsDir(), 'predictions-cli-frames.png') });

    // The runtime Run uses is named, and the latency is measured on it.
    const runtime = (await page.getByTestId('run-runtime').textContent())!;
    expect(runtime).toBe('ONNX Runtime (cpu)');
    await page.getByRole('button', { name: 'Measure B0 latency' }).click();
    const latency = page.getByTestId('latency-b0');
    await latency.waitFor({ timeout: 180_000 });
    expect(await latency.getAttribute('data-runtime')).toBe(runtime);

    // Run in the app: it runs on that runtime (the audit log says which).
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    const predictions = async () => (JSON.parse(await lumen(['audit', '--library', library, '--json'])).entries as { action: string; runtime: string | null }[]).filter((e) => e.action === 'predict');
    let runs = await predictions();
    for (const started = Date.now(); runs.length < 2 && Date.now() - started < 120_000; runs = await predictions()) await new Promise((r) => setTimeout(r, 500));
    // lumen predict, then Run: both on the runtime the panel names.
    expect(runs.map((e) => e.runtime)).toEqual([runtime, runtime]);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await page.getByRole('heading', { name: new RegExp(`^Series \\(${FRAMES} images`) }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'predictions-runtime.png') });
    expect(errors).toEqual([]);
  }, 600_000);
});
