// The app (`lumen serve` in Chromium) on a data folder on a read-only disk: a phantom series
// imported by `lumen import` into a real tmpfs (test/support/small-disk.ts), which is then
// remounted read-only before the engine starts. For test/e2e/first-run-read-only.test.ts and
// test/e2e/read-only-predict.test.ts.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { openApp, startUiSession, type UiSession } from './browser';
import { runLumen } from './cli';
import type { SmallDisk } from './small-disk';

export interface ReadOnlyApp {
  dataDir: string;
  set: PhantomSet;
  ui: UiSession;
  page: Page;
}

/**
 * Imports one patient's `slices` phantom images of `size` into `disk`/data, runs `writable`
 * (more to write first), makes the disk read-only, runs `readOnly` (before the engine starts),
 * then opens the app and waits for its engine; `use` gets the page. Its console must stay free
 * of errors; the page, the app and the disk's read-only state are undone after, whatever happens.
 */
export async function onReadOnlyDisk(
  disk: SmallDisk,
  phantom: { slices: number; size: number; seed: number },
  steps: { writable?: (dataDir: string, set: PhantomSet) => Promise<void>; readOnly?: (dataDir: string, set: PhantomSet) => Promise<void> },
  use: (app: ReadOnlyApp) => Promise<void>,
): Promise<void> {
  const dataDir = path.join(disk.dir, 'data');
  const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 1, ...phantom });
  expect((await runLumen(['import', set.dir], dataDir)).code).toBe(0);
  await steps.writable?.(dataDir, set);

  disk.readOnly();
  try {
    await steps.readOnly?.(dataDir, set);
    const ui = { ...(await startUiSession(dataDir)), dataDir };
    try {
      const { page, errors } = await openApp(ui);
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
      await use({ dataDir, set, ui, page });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await ui.close();
    }
  } finally {
    disk.writable();
  }
}
