import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import pkg from '../../package.json';
import { SCHEMA_VERSION } from '../../electron/library/schema';
import { PACKAGE_FORMAT_VERSION } from '../../models/package/metadata';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('the real UI in Chromium through the browser bridge', () => {
  const session = useUiSession('lumen-e2e');

  it('shows the app version and the backend the engine really chose in About', async () => {
    const engineReport = await session().host.request('engine.doctor', {});
    expect(engineReport.ok).toBe(true);
    const active = engineReport.ok ? (engineReport.value as { activeBackend: string }).activeBackend : null;
    expect(active).toBeTruthy();

    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: `Engine: ${active}` }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('F1');
    const dialog = page.getByRole('dialog', { name: 'About Lumen' });
    await dialog.waitFor();
    expect(await page.getByTestId('about-version').textContent()).toBe(pkg.version);
    expect(await page.getByTestId('about-backend').textContent()).toBe(active);
    expect(await page.getByTestId('about-library-schema').textContent()).toBe(`version ${SCHEMA_VERSION}`);
    // The formats as models/package/metadata.ts has them, through app.info: what lumen doctor says too.
    expect(PACKAGE_FORMAT_VERSION).toBe(2);
    expect(await page.getByTestId('about-package-format').textContent()).toBe('reads 1 and 2; writes 2 for a package with calibration, uncertainty heads, a series head or a training-domain record, 1 otherwise');

    const file = path.join(resultsDir(), 'about.png');
    const shot = await page.screenshot({ path: file });
    // The dark theme really rendered: the page corners are near-black, the dialog is lighter.
    const png = PNG.sync.read(shot);
    const at = (x: number, y: number) => png.data[(y * png.width + x) * 4];
    expect(at(2, png.height / 2)).toBeLessThan(40);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('explains, when files are dropped in a browser, that their paths cannot be known', async () => {
    const { page } = await openApp(session());
    const browserPanel = page.getByRole('complementary', { name: 'Study browser' });
    await browserPanel.waitFor({ timeout: 60_000 });
    const dataTransfer = await page.evaluateHandle(() => {
      // Runs in the page, where DataTransfer exists.
      const dt = new (globalThis as any).DataTransfer();
      dt.items.add(new File([new Uint8Array(132)], 'IM0001', { type: 'application/dicom' }));
      return dt;
    });
    await browserPanel.dispatchEvent('dragover', { dataTransfer });
    await browserPanel.dispatchEvent('drop', { dataTransfer });
    await page.getByRole('status').filter({ hasText: 'cannot see where dropped files live' }).waitFor();
    await page.close();
  });

  it('serves the built UI without the token, and its WebSocket (every request, all patient data) only with it and only to its own pages', async () => {
    const { bridge, browser } = session();
    const base = `http://127.0.0.1:${bridge.port}/`;
    // The static files are the same app for everyone and hold no patient data.
    expect((await fetch(base)).status).toBe(200);
    const page = await browser.context.newPage();
    const tryOpen = (url: string) =>
      page.evaluate(async (u) => {
        return new Promise<string>((resolve) => {
          const ws = new WebSocket(u);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
      }, url);
    // A page from another origin cannot open the RPC socket, even knowing the token.
    expect(await tryOpen(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`)).toBe('refused');
    // The bridge's own page cannot either, without the token.
    await page.goto(base);
    const opened = await tryOpen(`ws://127.0.0.1:${bridge.port}/rpc`);
    expect(opened).toBe('refused');
    await page.close();
  });
});
