import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';

/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser),
 * started with the flags this machine needs: no sandbox as root, no GPU, and
 * no background networking (the network is closed), in a fresh profile.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = process.env.LUMEN_CHROMIUM ?? '/usr/bin/chromium';
  const profile = mkdtempSync(path.join(os.tmpdir(), 'lumen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
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
export async function startUiSession(dataDir: string): Promise<{
  host: EngineHost;
  bridge: Bridge;
  browser: Awaited<ReturnType<typeof launchChromium>>;
  close: () => Promise<void>;
}> {
  const host = new EngineHost({ dataDir, shell: 'browser' });
  const bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist') });
  const browser = await launchChromium();
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
