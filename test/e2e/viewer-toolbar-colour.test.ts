// The toolbar and the first-run card, in Debian's Chromium against the real engine: the welcome
// card leaves when the user opens the PACS tab or switches the side panel (for that page only:
// settings.json is not told, so the next start greets again); on a colour image (dcmtk img2dcm +
// dcmcjpeg, from the external set) the window preset menu is off with a title saying why and
// the digit keys 1–6 change nothing, while on a grey CT both still work; the Length button names
// no unit. Screenshots: test-results/welcome-aside-pacs.png, toolbar-grey.png, toolbar-colour.png.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { writeCtImage } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';
import { writeExternalSet } from './external-dicom';

describe('the toolbar on colour images, and the welcome card beside other tabs', () => {
  let incoming: string;
  const session = useUiSession('lumen-toolbar-colour', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeCtImage(path.join(incoming, 'ct.dcm'), { size: 64, pixels: ctSlice(64, 64, 500, 15), uid: '1.2.826.0.1.3680043.10.99.171', patient: { name: 'Grey^Gina', id: 'PG001' }, instance: 1 });
    const external = writeExternalSet(path.join(dataDir, 'external'));
    copyFileSync(path.join(external.dir, 'colour-jpeg.dcm'), path.join(incoming, 'colour-jpeg.dcm'));
  });

  it('puts the welcome card aside for this page when the PACS tab or another side tab is opened', async () => {
    const { dataDir } = session();
    const settingsFile = path.join(dataDir, 'settings.json');
    const dismissed = () => existsSync(settingsFile) && JSON.parse(readFileSync(settingsFile, 'utf8')).welcomeDismissed === true;
    const first = await openApp(session());
    const welcome = first.page.getByRole('region', { name: 'Welcome to Lumen' });
    await welcome.waitFor({ timeout: 60_000 });
    await first.page.getByRole('tab', { name: 'PACS' }).click();
    await welcome.waitFor({ state: 'detached' });
    await first.page.getByText('No PACS connection yet').waitFor();
    await first.page.screenshot({ path: path.join(resultsDir(), 'welcome-aside-pacs.png') });
    // Back on the library: still aside in this page.
    await first.page.getByRole('tab', { name: 'Library' }).click();
    await first.page.waitForTimeout(500);
    expect(await welcome.count()).toBe(0);
    expect(dismissed()).toBe(false);
    expect(first.errors).toEqual([]);
    await first.page.close();

    // A new page greets again; the Training tab puts it aside too, and so does going back.
    const second = await openApp(session());
    const again = second.page.getByRole('region', { name: 'Welcome to Lumen' });
    await again.waitFor({ timeout: 60_000 });
    await second.page.getByRole('tab', { name: 'Training' }).click();
    await again.waitFor({ state: 'detached' });
    await second.page.getByRole('tab', { name: 'Classifier' }).click();
    await second.page.waitForTimeout(500);
    expect(await again.count()).toBe(0);
    expect(dismissed()).toBe(false);
    expect(second.errors).toEqual([]);
    await second.page.close();
  }, 180_000);

  it('turns the preset menu and the digit keys off for a colour image, and keeps them for grey', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    const preset = page.getByLabel('Window preset');
    const length = page.getByRole('button', { name: 'Length', exact: true });

    // Grey CT: the menu works and 3 picks the lung window.
    await page.locator('[role="listitem"][aria-label^="Study Grey"] [data-testid="series-card"]').click();
    await page.getByTestId('corner-wl').waitFor({ timeout: 60_000 });
    expect(await preset.isDisabled()).toBe(false);
    expect(await preset.getAttribute('title')).toBeNull();
    expect((await preset.locator('option').allTextContents()).some((t) => /Lung \(3\)$/.test(t))).toBe(true);
    await page.getByTestId('viewport').focus();
    await page.keyboard.press('3');
    await expect.poll(() => preset.inputValue()).toBe('ct-lung');
    await page.getByTestId('corner-wl').filter({ hasText: 'W 1500 L -600' }).waitFor();
    expect(await length.getAttribute('title')).toBe('Length (L)');
    await page.screenshot({ path: path.join(resultsDir(), 'toolbar-grey.png') });

    // Colour: the menu is off and says why; 1–6 leave the preset and the pixels as they are.
    await page.locator('[role="listitem"][aria-label^="Study Colour"] [data-testid="series-card"]').click();
    await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 60_000 }).toBeGreaterThan(1000);
    await expect.poll(() => preset.isDisabled()).toBe(true);
    expect(await preset.getAttribute('title')).toBe('Window presets apply to greyscale images: a colour image is shown as stored');
    // The keys' numbers are not offered beside the names either.
    expect((await preset.locator('option').allTextContents()).some((t) => /\(\d\)$/.test(t))).toBe(false);
    const shown = await preset.inputValue();
    const viewport = page.getByTestId('viewport');
    await viewport.focus();
    const before = await viewport.screenshot();
    for (const key of ['1', '2', '3', '4', '5', '6']) await page.keyboard.press(key);
    await page.waitForTimeout(500);
    expect(await preset.inputValue()).toBe(shown);
    expect(await page.getByTestId('corner-wl').count()).toBe(0);
    expect((await viewport.screenshot()).equals(before)).toBe(true);
    // The Length button names no unit: this image has no pixel spacing, its lengths read px.
    expect(await length.getAttribute('title')).toBe('Length (L)');
    await page.screenshot({ path: path.join(resultsDir(), 'toolbar-colour.png') });

    // Back to grey: the menu and keys work again.
    await page.locator('[role="listitem"][aria-label^="Study Grey"] [data-testid="series-card"]').click();
    await expect.poll(() => preset.isDisabled(), { timeout: 60_000 }).toBe(false);
    await page.getByTestId('corner-wl').waitFor({ timeout: 60_000 });
    await viewport.focus();
    await page.keyboard.press('5');
    await expect.poll(() => preset.inputValue()).toBe('ct-bone');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
