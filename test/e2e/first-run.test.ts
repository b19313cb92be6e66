// First run, offline, in Chromium through `lumen serve`'s bridge and the real engine: the
// notice that says what works now, "Get ImageNet weights" (import a Keras .h5 from disk; a
// download whose hash is not the published one is refused), the Training panel's warning
// about random backbones, and Settings (Ctrl+,) with a corrupt settings.json kept aside.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEfficientNet } from '../../models';
import { saveKerasH5Weights } from '../../models/weights';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { ctSlice } from '../support/dicom/phantom';
import { writeCtImage } from '../support/dicom/ct-image';

/** Waits until the page's root element carries the theme (a function, not a string: the CSP forbids eval). */
function themeIs(page: Page, theme: string) {
  type Root = { document: { documentElement: { dataset: Record<string, string | undefined> } } };
  return page.waitForFunction((want) => (globalThis as unknown as Root).document.documentElement.dataset.theme === want, theme, { timeout: 60_000 });
}

let server: http.Server | undefined;
const requests: string[] = [];
afterAll(async () => {
  delete process.env.LUMEN_WEIGHTS_BASE_URL;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('first run with no weights', () => {
  const session = useUiSession('lumen-e2e-first-run', async (dataDir) => {
    // Keras' published layout and name, made from Lumen's own B0 (the real file cannot be fetched here).
    await tf.setBackend('cpu');
    const incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    const b0 = buildEfficientNet('b0', { inputSize: 64, includeTop: false, seed: 3 });
    await saveKerasH5Weights(b0, path.join(incoming, 'efficientnetb0_notop.h5'));
    b0.dispose();
    // A settings file a crash cut short.
    writeFileSync(path.join(dataDir, 'settings.json'), '{"theme": "light", "backend":');
    // "Keras' storage" for the download: a loopback server with a file that is not the published one.
    const bytes = readFileSync(path.join(incoming, 'efficientnetb0_notop.h5'));
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'Content-Length': bytes.length }).end(bytes);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    // The engine process inherits it (electron/engine/handlers/settings.ts reads it for tests).
    process.env.LUMEN_WEIGHTS_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  it('says what works offline, and gets ImageNet weights from a file; a download with the wrong hash is refused', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const notice = page.getByRole('region', { name: 'Welcome to Lumen' });
    await notice.waitFor({ timeout: 60_000 });
    expect(await notice.textContent()).toContain('train a small network from scratch');
    // The same backbone and resolution the random-weights warning and the README suggest.
    expect(await notice.textContent()).toMatch(/backbone “tiny \(φ\s=\s−10\)”, mode “From scratch”, resolution 32\)/u);
    // The corrupt settings file: defaults, a message, the file kept aside.
    const banner = page.locator('.settings-notice');
    await banner.waitFor({ timeout: 60_000 });
    expect(await banner.textContent()).toMatch(/The settings file could not be used \(it is not valid JSON\)\. Lumen uses the default settings; the file was kept as settings\.json\.corrupt-/);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('settings.json.corrupt-'))).toHaveLength(1);
    await page.screenshot({ path: path.join(resultsDir(), 'first-run.png') });
    await banner.getByRole('button', { name: 'OK' }).click();

    await notice.getByRole('button', { name: 'Get ImageNet weights…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Get ImageNet weights' });
    await dialog.waitFor();
    await dialog.getByTestId('weights-none').waitFor({ timeout: 60_000 });

    // A download: the loopback "storage" serves a file whose MD5 is not the published one.
    await dialog.getByRole('button', { name: 'Download' }).click();
    const status = dialog.getByRole('status');
    await status.filter({ hasText: 'does not match the published hash' }).waitFor({ timeout: 60_000 });
    expect(await status.textContent()).toContain('it was deleted and nothing was imported');
    expect(requests).toEqual(['/efficientnetb0_notop.h5']);
    expect(existsSync(path.join(dataDir, 'weights', 'downloads', 'efficientnetb0_notop.h5.partial'))).toBe(false);
    await page.screenshot({ path: path.join(resultsDir(), 'weights-download-refused.png') });

    // Import from disk.
    await dialog.getByLabel('Keras weights file (.h5)').fill(path.join(dataDir, 'incoming', 'efficientnetb0_notop.h5'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    await status.filter({ hasText: 'EfficientNet-B0 ImageNet weights are ready' }).waitFor({ timeout: 240_000 });
    const imported = dialog.getByRole('table', { name: 'Imported ImageNet weights' });
    expect(await imported.textContent()).toContain('EfficientNet-B0');
    expect(await imported.textContent()).toContain('not the published file');
    await page.screenshot({ path: path.join(resultsDir(), 'weights-imported.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    // With weights imported, the first-run notice has said what it had to say.
    await notice.waitFor({ state: 'detached', timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('the Training panel warns before a head on a random backbone, and not with ImageNet weights or from scratch', async () => {
    const { page } = await openApp(session());
    await page.getByRole('tab', { name: 'Training' }).click();
    const warning = page.getByRole('note', { name: 'Random backbone warning' });
    await warning.waitFor({ timeout: 60_000 });
    expect(await warning.textContent()).toContain('a B0 head on random features reached ROC AUC 0.59, while a small network trained from scratch reached 1.0');
    await warning.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'training-random-backbone-warning.png') });
    const imagenet = page.getByRole('option', { name: /^ImageNet \(efficientnetb0_notop\.h5\)/ });
    await imagenet.waitFor({ state: 'attached', timeout: 60_000 });
    await page.getByLabel('Backbone weights').selectOption((await imagenet.getAttribute('value'))!);
    await warning.waitFor({ state: 'detached' });
    await page.getByLabel('Backbone weights').selectOption({ label: 'random initialisation' });
    await warning.waitFor();
    await page.locator('#tp-mode').selectOption('scratch');
    await warning.waitFor({ state: 'detached' });
    await page.close();
  }, 120_000);

  it('Settings (Ctrl+,): backends with reasons, the light theme at once, saved to settings.json', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Control+Comma');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    const backends = dialog.getByRole('radiogroup', { name: /Inference backend/ });
    const text = await backends.textContent();
    for (const name of ['Automatic', 'tensorflow', 'webgpu', 'wasm', 'cpu']) expect(text).toContain(name);
    // tfjs-node cannot be installed here: the reason says so, and its choice is disabled.
    expect(text).toMatch(/Not available: .*not installed/);
    expect(await dialog.locator('#backend-tensorflow').isDisabled()).toBe(true);
    expect(await dialog.getByTestId('settings-data-dir').textContent()).toBe(dataDir);

    await dialog.getByLabel('Light').click();
    await themeIs(page, 'light');
    await dialog.getByLabel('CT series open with').selectOption('ct-lung');
    await page.waitForTimeout(300);
    const file = JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8'));
    expect(file).toMatchObject({ theme: 'light', defaultWindow: { CT: 'ct-lung' }, backend: 'auto' });
    await page.screenshot({ path: path.join(resultsDir(), 'settings-light.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // The light theme really rendered: the study list's panel at the page's edge is light now.
    const png = PNG.sync.read(await page.screenshot());
    expect(png.data[((png.height / 2) * png.width + 2) * 4]).toBeGreaterThan(200);

    // A new page reads the saved theme.
    await page.reload();
    await themeIs(page, 'light');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('the default CT window from Settings', () => {
  const UID = '1.2.826.0.1.3680043.10.99.151';
  const session = useUiSession('lumen-e2e-default-window', (dataDir) => {
    writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ defaultWindow: { CT: 'ct-lung' } }));
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir);
    // A CT slice whose own window is W 400 L 40.
    writeCtImage(path.join(dir, 'ct.dcm'), { size: 64, pixels: ctSlice(64, 64, 500, 15), uid: UID, patient: { name: 'Window^Wendy', id: 'PW001' }, instance: 1 });
  });

  it('opens a CT series with the lung window when Settings say so', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    const welcome = page.getByRole('region', { name: 'Welcome to Lumen' });
    await welcome.waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 120_000 });
    await page.getByRole('listitem', { name: /^Study .*Window/ }).getByTestId('series-card').click();
    await page.getByTestId('corner-wl').filter({ hasText: 'W 1500 L -600' }).waitFor({ timeout: 60_000 });
    expect(await page.getByLabel('Window preset').inputValue()).toBe('ct-lung');
    await page.screenshot({ path: path.join(resultsDir(), 'default-window-lung.png') });
    // The first series opened closed the welcome card for good: not back after a reload.
    await expect.poll(() => JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).welcomeDismissed, { timeout: 30_000 }).toBe(true);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByText('No series open').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    expect(await welcome.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
