/**
 * `lumen bench viewer`: how fast the viewer pages through a large series, as a user does it.
 * A generated CT series (default 200 slices of 512x512, 16-bit; bench/library.ts) is imported
 * into a fresh library through the real bridge and engine (`lumen serve`'s), opened in
 * Debian's headless Chromium, and paged through with the arrow key, one slice at a time:
 * each press waits until the canvas shows the next slice. Latency per slice is measured in the
 * page, from the keydown event to the first animation frame after the canvas says it holds
 * that slice's pixels (`data-painted`, renderer/src/viewer/usePaint.ts). A cold pass (first
 * time through), then a warm pass back up. Baseline in the same run: the engine's decode pool
 * alone on the same files (frames/s), so the ratio says what the bridge and renderer add.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import { closeDecodePool, decodeMany } from '../electron/dicom/pool';
import { EngineHost } from '../electron/engine/host';
import { startBridge } from '../electron/serve/server';
import { ensureCtSeries } from './library';
import { intOption, median, roundTo, type BenchSuite } from './suite';

const SLICES = 200;

interface PassResult {
  /** Slices the viewer shows per second of its own time: steps over the sum of their key-to-canvas latencies. */
  slicesPerSecond: number;
  /** Slices per second of the whole pass by the clock, the driver's round trip between presses included (on a loaded machine, mostly that). */
  drivenSlicesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** A fast scroll then a stop, on slices not yet loaded: the series reopened (its frames forgotten) before each. */
export interface FastScrollResult {
  /** Slices scrolled past in each scroll, one ArrowDown each, `intervalMs` apart. */
  slices: number;
  intervalMs: number;
  /** From the last key press to the slice stopped on painted, each scroll. */
  stopMs: number[];
  stopP50Ms: number;
}

export interface ViewerBenchResult {
  slices: number;
  size: number;
  /** The decode pool alone on the same files (warm), frames/s. */
  decodePoolFps: number;
  cold: PassResult;
  warm: PassResult;
  /** Scrolling fast then stopping: how long the slice stopped on takes. */
  fastScroll: FastScrollResult;
  /** Viewer slices/s over decode-pool frames/s. */
  ratioColdToDecode: number;
  ratioWarmToDecode: number;
  /** The renderer's own figures, when it keeps them (frame cache size and bound). */
  renderer: unknown;
  note: string;
}

function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

// The page's scripts go as text: tsx's transform would name the arrow functions with a helper
// the page does not have.

/** In the page: records the time of each keydown (capture phase, before the app's handler). */
async function installProbe(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__viewerBench = { keys: [] };
    window.addEventListener('keydown', () => window.__viewerBench.keys.push(performance.now()), { capture: true });
  })()`);
}

/** Resolves, in the page, with the time of the first animation frame after the canvas holds image `k` of `n`. */
function shownAt(page: Page, k: number, n: number): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const canvas = document.querySelector('[data-testid="viewport"]');
    if (!canvas) return reject(new Error('no viewport'));
    const done = () => canvas.getAttribute('aria-label') === 'Image ${k} of ${n}' && !!canvas.dataset.painted;
    const finish = () => requestAnimationFrame(() => resolve(performance.now()));
    if (done()) return finish();
    const obs = new MutationObserver(() => {
      if (!done()) return;
      obs.disconnect();
      finish();
    });
    obs.observe(canvas, { attributes: true, attributeFilter: ['data-painted', 'aria-label'] });
    setTimeout(() => {
      obs.disconnect();
      reject(new Error('image ${k} of ${n} was not shown within 60 s'));
    }, 60000);
  })`);
}

/** One pass: `steps` presses of `key`, each waiting until image `from ± i` is shown. */
async function pass(page: Page, key: 'ArrowDown' | 'ArrowUp', from: number, steps: number, n: number): Promise<PassResult> {
  const latencies: number[] = [];
  const dir = key === 'ArrowDown' ? 1 : -1;
  let first = 0;
  let last = 0;
  for (let i = 1; i <= steps; i++) {
    const target = from + dir * i;
    const waiting = shownAt(page, target, n);
    await page.keyboard.press(key);
    const shown = await waiting;
    const pressed = await page.evaluate<number>('window.__viewerBench.keys.at(-1) ?? 0');
    latencies.push(shown - pressed);
    if (i === 1) first = pressed;
    last = shown;
  }
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    slicesPerSecond: roundTo(steps / (sum / 1000)),
    drivenSlicesPerSecond: roundTo(steps / ((last - first) / 1000)),
    p50Ms: roundTo(median(latencies)),
    p95Ms: roundTo(quantile(latencies, 0.95)),
    maxMs: roundTo(Math.max(...latencies)),
  };
}

/** Time between key presses of a fast scroll: a held key repeats at about 30/s, a wheel or trackpad faster. */
const SCROLL_INTERVAL_MS = 10;

/**
 * In the page: `steps` ArrowDown presses `SCROLL_INTERVAL_MS` apart (dispatched on the canvas,
 * so no driver round trip sits between them), resolving with the time of the last one.
 */
function scrollFast(page: Page, steps: number): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const canvas = document.querySelector('[data-testid="viewport"]');
    let left = ${steps};
    const press = () => {
      canvas.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
      if (--left === 0) return resolve(performance.now());
      setTimeout(press, ${SCROLL_INTERVAL_MS});
    };
    press();
  })`);
}

/**
 * Three fast scrolls down, each on frames not loaded yet (the series is reopened first, which
 * forgets the page's frames and opens at the slice last shown), timed from the last press to the
 * slice stopped on painted.
 */
async function fastScrolls(page: Page, at: number, n: number): Promise<FastScrollResult> {
  const steps = Math.max(1, Math.min(60, Math.floor((n - at) / 3)));
  const stopMs: number[] = [];
  for (let k = 0; k < 3; k++) {
    // Reopened: the canvas is cleared (painted "") and then shows the slice again.
    await page.evaluate(`(() => {
      const canvas = document.querySelector('[data-testid="viewport"]');
      window.__viewerReopened = new Promise((resolve) => {
        let cleared = false;
        const obs = new MutationObserver(() => {
          if (!canvas.dataset.painted) cleared = true;
          else if (cleared) {
            obs.disconnect();
            resolve(true);
          }
        });
        obs.observe(canvas, { attributes: true, attributeFilter: ['data-painted'] });
      });
    })()`);
    await page.getByTestId('series-card').first().click();
    await page.evaluate('window.__viewerReopened');
    await shownAt(page, at, n);
    const shown = shownAt(page, at + steps, n);
    await page.getByTestId('viewport').focus();
    const last = await scrollFast(page, steps);
    stopMs.push(roundTo((await shown) - last));
    at += steps;
  }
  return { slices: steps, intervalMs: SCROLL_INTERVAL_MS, stopMs, stopP50Ms: roundTo(median(stopMs)) };
}

async function decodePoolFps(dir: string): Promise<number> {
  const files = fs
    .readdirSync(dir)
    .sort()
    .map((f) => ({ file: path.join(dir, f) }));
  await decodeMany(files.slice(0, 8), { keepPixels: false });
  const t = performance.now();
  const results = await decodeMany(files, { keepPixels: false });
  const seconds = (performance.now() - t) / 1000;
  if (results.some((r) => r.error)) throw new CliError('the decode pool could not decode a benchmark file');
  return roundTo(files.length / seconds);
}

/** The built renderer the bridge serves (`npm run build:renderer`). */
const RENDERER_DIST = fileURLToPath(new URL('../renderer/dist', import.meta.url));

/** Debian's Chromium, or LUMEN_CHROMIUM. */
function chromiumPath(): string {
  return process.env.LUMEN_CHROMIUM ?? '/usr/bin/chromium';
}

/** What the suite needs before it starts anything: the built renderer and a Chromium to drive it. */
function checkPrerequisites(): void {
  if (!fs.existsSync(path.join(RENDERER_DIST, 'index.html'))) {
    throw new CliError(`the viewer benchmark serves the built renderer, and ${RENDERER_DIST} holds none: run npm run build first`);
  }
  const browser = chromiumPath();
  if (!fs.existsSync(browser)) {
    throw new CliError(`the viewer benchmark drives Chromium, and there is none at ${browser}: install it (Debian: apt install chromium) or set LUMEN_CHROMIUM to its path`);
  }
}

export async function runViewerBench(opts: { slices: number; json: boolean }): Promise<ViewerBenchResult> {
  checkPrerequisites();
  const say = (line: string) => !opts.json && process.stdout.write(line + '\n');
  const size = 512;
  say(`Preparing a ${opts.slices}-slice ${size}x${size} CT series…`);
  const folder = ensureCtSeries(opts.slices, size);
  const decodeFps = await decodePoolFps(folder);
  await closeDecodePool();
  say(`Decode pool alone: ${decodeFps} frames/s`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-viewer-'));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-chromium-'));
  const host = new EngineHost({ dataDir, shell: 'browser' });
  let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
  let context: import('playwright-core').BrowserContext | undefined;
  try {
    bridge = await startBridge({ host, staticDir: RENDERER_DIST });
    // playwright-core (a development dependency) loads only when this suite runs.
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      viewport: { width: 1280, height: 800 },
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await context.newPage();
    await page.goto(bridge.url);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    say('Importing through the bridge…');
    await page.getByLabel('Import a folder or file').fill(folder);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: new RegExp(`\\b${opts.slices} images? imported`) }).waitFor({ timeout: 600_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('viewport').waitFor({ timeout: 60_000 });
    const n = opts.slices;
    await shownAt(page, 1, n);
    await installProbe(page);
    await page.getByTestId('viewport').focus();
    say('Paging down (cold), then up (warm)…');
    const cold = await pass(page, 'ArrowDown', 1, n - 1, n);
    const warm = await pass(page, 'ArrowUp', n, n - 1, n);
    say('Fast scrolls down, then a stop (frames not loaded yet)…');
    const fastScroll = await fastScrolls(page, 1, n);
    const renderer = await page.evaluate<unknown>('window.__lumenFrameCache?.() ?? null');
    const result: ViewerBenchResult = {
      slices: n,
      size,
      decodePoolFps: decodeFps,
      cold,
      warm,
      fastScroll,
      ratioColdToDecode: roundTo(cold.slicesPerSecond / decodeFps, 2),
      ratioWarmToDecode: roundTo(warm.slicesPerSecond / decodeFps, 2),
      renderer,
      note: `one key press at a time, each waiting for its slice on the canvas; slicesPerSecond from the latencies, drivenSlicesPerSecond by the clock with the driver's round trips; ${os.availableParallelism()} cores`,
    };
    const row = (name: string, p: PassResult) => `  ${name}: ${p.slicesPerSecond} slices/s (${p.drivenSlicesPerSecond} by the clock with the driver), latency p50 ${p.p50Ms} ms, p95 ${p.p95Ms} ms, max ${p.maxMs} ms`;
    say(row('cold (first pass, down)', cold));
    say(row('warm (second pass, up) ', warm));
    say(`  fast scroll of ${fastScroll.slices} slices (${fastScroll.intervalMs} ms apart), then stop: slice stopped on painted after p50 ${fastScroll.stopP50Ms} ms (${fastScroll.stopMs.join(', ')} ms)`);
    say(`  ratio to the decode pool: cold ${result.ratioColdToDecode}, warm ${result.ratioWarmToDecode}`);
    return result;
  } finally {
    await context?.close();
    await bridge?.close();
    await host.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  summary: 'Paging through a generated 200-slice 512x512 CT series in the viewer (headless Chromium on the bridge): slices/s and key-to-canvas latency, cold and warm, beside the decode pool alone; then fast scrolls with a stop (time to the slice stopped on).',
  usage: 'lumen bench viewer [--slices N (at least 10)] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, slices: { type: 'string' } });
    const slices = intOption(values.slices, SLICES, 'slices', 10, 2000);
    const result = await runViewerBench({ slices, json: !!values.json });
    if (values.json) printJson(result);
    return 0;
  },
};
