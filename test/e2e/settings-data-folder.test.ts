// The Settings dialog's data folder takes a path as the import box does (access.ts typedPath):
// pasted in quotes, as a file:// URL, or from ~, with the same words when it is refused; a
// relative path is refused through the browser. The field then shows the folder kept.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('Settings: the data folder as typed', () => {
  // The platform's folder (XDG_DATA_HOME), where the choice is kept, outside the data folder the session uses.
  const outside = mkdtempSync(path.join(os.tmpdir(), 'lumen-settings-folder-home-'));
  const xdgBefore = process.env.XDG_DATA_HOME;
  const envBefore = process.env.LUMEN_DATA_DIR;
  const session = useUiSession('lumen-settings-folder', () => {
    process.env.XDG_DATA_HOME = path.join(outside, 'xdg');
    delete process.env.LUMEN_DATA_DIR;
  });
  afterAll(() => {
    if (xdgBefore === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = xdgBefore;
    if (envBefore !== undefined) process.env.LUMEN_DATA_DIR = envBefore;
    rmSync(outside, { recursive: true, force: true });
  });

  it('reads a quoted path and a file URL, and refuses a relative path and ~ outside the session in the import box\'s words', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `settings-data-folder-${name}.png`) });
    const platformSettings = path.join(outside, 'xdg', 'lumen', 'settings.json');
    const kept = () => (existsSync(platformSettings) ? JSON.parse(readFileSync(platformSettings, 'utf8')).dataFolder : undefined);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    await page.keyboard.press('Control+,');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor({ timeout: 30_000 });
    const field = dialog.getByLabel('Data folder');
    const refused = dialog.locator('.banner.error');
    // Typed and sent from the keyboard: Enter in the field.
    const use = async (typed: string) => {
      await field.fill(typed);
      await field.press('Enter');
    };

    // Pasted in quotes (a file manager's "Copy as path"): kept without them, and the field says so.
    const spaced = path.join(dataDir, 'lumen data');
    await use(`'${spaced}'`);
    await dialog.getByTestId('settings-next-data-dir').filter({ hasText: spaced }).waitFor({ timeout: 30_000 });
    await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toBe(spaced);
    expect(kept()).toBe(spaced);
    expect(await refused.count()).toBe(0);
    await shot('quoted');

    // A folder dragged into a text box gives a file:// URL: its escapes decoded.
    const accented = path.join(dataDir, 'données été');
    await use(pathToFileURL(accented).href);
    await dialog.getByTestId('settings-next-data-dir').filter({ hasText: accented }).waitFor({ timeout: 30_000 });
    await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toBe(accented);
    expect(kept()).toBe(accented);

    // A relative path is refused, as the import box refuses it; nothing changes.
    await use('lumen-data');
    await refused.waitFor({ timeout: 30_000 });
    const start = process.platform === 'win32' ? 'a drive letter' : '/';
    expect(await refused.innerText()).toBe(`The data folder lumen-data is not a full path. Type the full path, starting with ${start}.`);
    expect(kept()).toBe(accented);
    expect(await dialog.getByTestId('settings-next-data-dir').textContent()).toBe(accented);
    expect(await field.inputValue()).toBe('lumen-data');
    await shot('relative-refused');

    // ~ is the engine user's home, which this browser session may not write: refused, naming the folder meant.
    await use('~/lumen-data');
    await refused.filter({ hasText: path.join(os.homedir(), 'lumen-data') }).waitFor({ timeout: 30_000 });
    expect(await refused.innerText()).toContain('is outside the folders this browser session may use');
    expect(kept()).toBe(accented);
    await shot('home-refused');

    // Emptied: the platform's folder from the next start, and the error is gone.
    await use('');
    await dialog.getByTestId('settings-next-data-dir').filter({ hasText: path.join(outside, 'xdg', 'lumen') }).waitFor({ timeout: 30_000 });
    expect(await refused.count()).toBe(0);
    expect(kept()).toBeNull();
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
