import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

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
