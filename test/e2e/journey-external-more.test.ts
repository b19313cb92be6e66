// The journey with more DICOM from other software (test/e2e/external-dicom-more.ts, all by
// dcmtk's dump2dcm), in Debian's Chromium through `lumen serve`'s bridge and the real engine:
// a five-series MR study in three orientations with the right orientation letters, a CT
// study whose SR is listed as a result while its Key Object Selection and Presentation State
// are reported as objects without an image, slices stored out of order without Instance
// Number shown by position, a length in pixels on an image without Pixel Spacing, a colour
// ultrasound cine, and one patient under two names. Screenshots:
// test-results/journey-more-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { brightPixels, canvasPixels } from '../support/canvas';
import { writeMoreExternalSet, type MoreExternalSet } from './external-dicom-more';

describe('a user with more kinds of DICOM from other software', () => {
  let set: MoreExternalSet;
  const session = useUiSession('lumen-journey-more', (dataDir) => {
    set = writeMoreExternalSet(path.join(dataDir, 'incoming'));
  });

  it('imports, lists and views each kind as a user expects', async () => {
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-more-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');

    // Import: every image, the SR as a result; the KO and PR reported, not failed.
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    // Images and the SR counted apart; the second name is a warning about a file that was imported.
    await report
      .filter({ hasText: `${set.imageFiles + 1} images (${set.imageFiles} files) and 1 result document imported, 2 objects without an image, 1 file with other patient details (imported)` })
      .waitFor({ timeout: 120_000 });
    await report.getByRole('button', { name: 'Show the list' }).click();
    const issues = page.getByRole('dialog', { name: /not imported/i });
    await issues.waitFor();
    const listed = await issues.innerText();
    expect(listed).toMatch(/key object selection/i);
    expect(listed).toMatch(/presentation state/i);
    expect(listed).toMatch(/Other patient details\s+\S*two-names-2\.dcm\s+its Patient's Name \(0010,0010\) differs/);
    await shot('import-list');
    await page.keyboard.press('Escape');
    await issues.waitFor({ state: 'detached' });

    const list = page.getByTestId('study-list');
    const study = (name: RegExp) => list.getByRole('listitem', { name });
    const card = (s: RegExp, description: string) => study(s).getByTestId('series-card').filter({ hasText: description });
    const open = async (s: RegExp, description: string, images: number) => {
      await card(s, description).scrollIntoViewIfNeeded();
      await card(s, description).click();
      await page.getByTestId('image-index').filter({ hasText: `Im 1/${images}` }).waitFor({ timeout: 60_000 });
      await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(1000);
    };
    const letters = async () => [await page.getByTestId('orient-top').innerText(), await page.getByTestId('orient-left').innerText()];

    // Five series of one MR study, each in its own orientation: the letters follow the plane.
    const ortho = /^Study .*Ortho, Olga/;
    await study(ortho).scrollIntoViewIfNeeded();
    expect(await study(ortho).getByTestId('series-card').count()).toBe(5);
    // Each series has three images, so "Im 1/3" is already shown when the next one is
    // clicked: the letters are polled until the new series' first image is in place.
    await open(ortho, 'T1 AX', 3);
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['A', 'R']);
    await open(ortho, 'T2 SAG', 3);
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'A']);
    await shot('sagittal');
    await open(ortho, 'T1 COR', 3);
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'R']);
    // The three-plane survey: the letters change with each image's plane.
    await open(ortho, 'SURVEY', 3);
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['A', 'R']);
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 2/3' }).waitFor();
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'A']);
    await page.keyboard.press('ArrowDown');
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'R']);
    await shot('survey-coronal');

    // The CT study: the localizer opens; the SR is a result of the study.
    const scout = /^Study .*Scout, Sam/;
    // The localizer is marked as one (and left out of training datasets); the axial series is not.
    await card(scout, 'TOPOGRAM').scrollIntoViewIfNeeded();
    expect(await card(scout, 'TOPOGRAM').getByTestId('series-localizer').innerText()).toContain('localizer');
    expect(await study(scout).getByTestId('series-localizer').count()).toBe(1);
    await open(scout, 'TOPOGRAM', 1);
    expect(await study(scout).getByTestId('series-card').count()).toBe(2);
    // The SR's text finding is read whole under the list, not cut at the column's edge
    // (a keyboard user has no tooltip to hover).
    const finding = page.getByTestId('result-finding').first().locator('td').first();
    await finding.waitFor({ timeout: 30_000 });
    expect(await finding.innerText()).toBe('No acute finding.');
    expect(await finding.evaluate((td: { scrollWidth: number; clientWidth: number }) => td.scrollWidth <= td.clientWidth)).toBe(true);
    await shot('localizer');

    // Slices stored 3, 1, 4, 2 with no Instance Number: shown by position, the disc growing.
    const shuffle = /^Study .*Shuffle, Sid/;
    await open(shuffle, 'NO NUMBERS', 4);
    const sizes: number[] = [];
    for (let i = 1; i <= 4; i++) {
      await page.getByTestId('image-index').filter({ hasText: `Im ${i}/4` }).waitFor({ timeout: 30_000 });
      await expect.poll(async () => (await brightPixels(page)).count, { timeout: 30_000 }).toBeGreaterThan(0);
      sizes.push((await brightPixels(page)).count);
      if (i < 4) await page.keyboard.press('ArrowDown');
    }
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    await shot('unordered-last');

    // No Pixel Spacing: the length is in pixels and says so; no "mm" next to the image size.
    const nospace = /^Study .*Nospace, Nora/;
    await open(nospace, 'NO SPACING', 1);
    expect(await page.locator('.corner.bl').innerText()).not.toContain('mm');
    await page.keyboard.press('l');
    await dragOnViewport(page, [0.3, 0.5], [0.7, 0.5]);
    await page.getByTestId('measurements').filter({ hasText: /Length 1: [\d.]+ px \(no pixel spacing\)/ }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('measurements').innerText()).not.toMatch(/\bmm\b/);
    await shot('no-spacing');

    // A two-frame colour ultrasound loop: red, then green.
    const echo = /^Study .*Echo, Emma/;
    await open(echo, 'CARDIAC LOOP', 2);
    await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 30_000 }).toBeGreaterThan(1000);
    await page.keyboard.press('End');
    await page.getByTestId('image-index').filter({ hasText: 'Im 2/2' }).waitFor({ timeout: 30_000 });
    await shot('us-cine');

    // One Patient ID under two names: one card, both series in it, a warning naming both names,
    // and the viewer shows the name the displayed image's own file gives.
    const doe = /^Study .*Doe/;
    expect(await study(doe).count()).toBe(1);
    expect(await study(doe).getAttribute('aria-label')).toMatch(/2 names for Patient ID EXTM06/);
    expect(await study(doe).getByTestId('series-card').count()).toBe(2);
    const warning = study(doe).getByTestId('study-identity-warning');
    expect((await warning.innerText()).replace(/\s+/g, ' ')).toBe('⚠ 2 names: Doe, Jane / Doe-Smith, Jane');
    expect(await warning.getAttribute('title')).toMatch(/^2 names for Patient ID EXTM06: Doe, Jane \/ Doe-Smith, Jane\./);
    expect(await card(doe, 'AFTER MARRIAGE').getByTestId('series-own-name').innerText()).toContain('Doe-Smith, Jane');
    expect(await card(doe, 'BEFORE MARRIAGE').getByTestId('series-own-name').count()).toBe(0);
    // Both series have one image ("Im 1/1" either way): the name is polled until it changes.
    const cornerName = async () => page.getByTestId('corner-patient').innerText();
    await open(doe, 'AFTER MARRIAGE', 1);
    await expect.poll(cornerName, { timeout: 30_000 }).toBe('Doe-Smith, Jane');
    expect(await page.locator('.topbar-context').innerText()).toMatch(/^Doe-Smith, Jane · CT SINUS · AFTER MARRIAGE$/);
    await shot('two-names');
    await open(doe, 'BEFORE MARRIAGE', 1);
    await expect.poll(cornerName, { timeout: 30_000 }).toBe('Doe, Jane');
    // Either name finds the study.
    const search = page.getByLabel('Search studies');
    await search.fill('Doe-Smith');
    await expect.poll(async () => list.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    await search.fill('');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
