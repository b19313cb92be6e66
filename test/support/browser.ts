import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser),
 * started with the flags this machine needs: no sandbox as root, no GPU, and
 * no background networking (the network is closed), in a fresh profile.
 */
export async function launchChromium(opts: { scrollbars?: boolean } = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = process.env.LUMEN_CHROMIUM ?? '/usr/bin/chromium';
  // The browser tests' one prerequisite outside npm, said in the words the README uses.
  if (!existsSync(executablePath)) throw new Error(`The browser tests drive Chromium, and there is none at ${executablePath}: install it (Debian/Ubuntu: sudo apt install chromium, or sudo bash .ci/run) or set LUMEN_CHROMIUM to its path.`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lumen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    // Headless Chromium hides scrollbars by default; the app's window shows them, and they
    // take width from a panel (layout tests measure with them).
    ...(opts.scrollbars ? { ignoreDefaultArgs: ['--hide-scrollbars'] } : {}),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Screenshots and other artefacts a person should look at after a run. */
export function resultsDir(): string {
  const dir = path.resolve('test-results');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * What every end-to-end test runs against: the real engine (its own process),
 * the browser bridge serving the built renderer, and Debian's Chromium.
 * `close` tears all three down in order.
 */
export async function startUiSession(dataDir: string, opts: { scrollbars?: boolean } = {}): Promise<{
  host: EngineHost;
  bridge: Bridge;
  browser: Awaited<ReturnType<typeof launchChromium>>;
  close: () => Promise<void>;
}> {
  const host = new EngineHost({ dataDir, shell: 'browser' });
  const bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist') });
  const browser = await launchChromium(opts);
  return {
    host,
    bridge,
    browser,
    close: async () => {
      await browser.close();
      await bridge.close();
      await host.close();
    },
  };
}

export type UiSession = Awaited<ReturnType<typeof startUiSession>> & { dataDir: string };

/**
 * The session of a describe block: registers beforeAll (a fresh data folder, filled by
 * `prepare` before the engine starts, then the session on it) and afterAll (teardown in
 * order, then the folder). Call the returned function inside tests.
 */
export function useUiSession(prefix: string, prepare?: (dataDir: string) => Promise<void> | void, opts: { scrollbars?: boolean } = {}): () => UiSession {
  let session: UiSession | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    await prepare?.(dataDir);
    session = { ...(await startUiSession(dataDir, opts)), dataDir };
  });
  afterAll(async () => {
    await session?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return () => {
    if (!session) throw new Error('the UI session did not start (see the beforeAll error)');
    return session;
  };
}

/** A new page on the app, collecting console errors and uncaught page errors in `errors`. */
export async function openApp(session: UiSession): Promise<{ page: Page; errors: string[] }> {
  const page = await session.browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(session.bridge.url);
  return { page, errors };
}

/** Waits until the viewer has loaded and placed the image shown (its canvas is no longer aria-busy): a drag before then draws nothing. */
export async function viewerReady(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('[data-testid="viewport"][aria-busy="false"]').waitFor({ timeout });
}

/**
 * Once the engine is up, imports `folder` from the Import box, waits for the report to say one
 * image was imported, and opens the first series, ready for the pointer.
 */
export async function importOneImageAndOpen(page: Page, folder: string): Promise<void> {
  await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
  await page.getByLabel('Import a folder or file').fill(folder);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 120_000 });
  await page.getByTestId('series-card').first().click();
  await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor();
  await viewerReady(page);
}

/**
 * Once the engine is up, imports `folder` from the Import box, waits for the report to say
 * `images` images were imported, and opens the Training tab: its panel.
 */
export async function importAndOpenTraining(page: Page, folder: string, images: number): Promise<Locator> {
  await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Import a folder or file').fill(folder);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-report').filter({ hasText: `${images} images imported` }).waitFor({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Training' }).click();
  return page.getByRole('tabpanel', { name: 'Training' });
}

/** A mouse drag across the viewer's canvas between two points given as fractions of its size (a measurement's line, a W/L drag), once the image shown is ready. */
export async function dragOnViewport(page: Page, from: readonly [number, number], to: readonly [number, number], steps = 5): Promise<void> {
  await viewerReady(page);
  const box = (await page.getByTestId('viewport').boundingBox())!;
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps });
  await page.mouse.up();
}
