// A new user follows README.md's "Where your data lives", "Security and privacy", "Settings
// and versions" and "Using Lumen" 2–3 in Debian's Chromium through `lumen serve`'s bridge and
// the real engine, with DICOM that other software made (external-dicom-data.ts: a Latin-1
// multi-frame JPEG-LS word image from GDCM and dcmtk, a JPEG colour picture from img2dcm and
// dcmcjpeg), kept outside the data folder as a user's files are. Each step asserts what the
// README promises there. Screenshots: test-results/journey-readme-data-*.png.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { SCHEMA_VERSION } from '../../electron/library/schema';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasHash, canvasPixels } from '../support/canvas';
import { writeDataSet, type DataSet } from './external-dicom-data';

/** Every file and folder under `dir` with its permission bits, relative to `dir`. */
function modes(dir: string): { entry: string; mode: number; folder: boolean }[] {
  const out: { entry: string; mode: number; folder: boolean }[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const full = path.join(at, name);
      const s = statSync(full);
      out.push({ entry: path.relative(dir, full), mode: s.mode & 0o777, folder: s.isDirectory() });
      if (s.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

describe('a new user reads where the data lives, the settings and the versions, with DICOM from other software', () => {
  let set: DataSet;
  // The user's own folders: the DICOM, and the platform's data folder (XDG_DATA_HOME), outside the data folder the session uses.
  const outside = mkdtempSync(path.join(os.tmpdir(), 'lumen-journey-data-home-'));
  const xdgBefore = process.env.XDG_DATA_HOME;
  const session = useUiSession('lumen-journey-readme-data', (dataDir) => {
    set = writeDataSet(path.join(outside, 'dicom'));
    process.env.XDG_DATA_HOME = path.join(outside, 'xdg');
    // A data folder a careless copy left readable by everyone, holding a settings file an editor cut short.
    chmodSync(dataDir, 0o755);
    writeFileSync(path.join(dataDir, 'settings.json'), '{\n  "theme": "light",\n  "backend": "au', { mode: 0o600 });
  });
  afterAll(() => {
    if (xdgBefore === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = xdgBefore;
    rmSync(outside, { recursive: true, force: true });
  });

  it('puts a bad settings file aside, keeps the folder private, imports, views and says its versions as the README says', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-readme-data-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    // Settings and versions: a file that is not valid JSON is renamed, never overwritten, the defaults apply, and the app says so.
    const notice = page.locator('.settings-notice');
    await notice.waitFor({ timeout: 60_000 });
    const aside = readdirSync(dataDir).filter((n) => n.startsWith('settings.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dataDir, aside[0]), 'utf8')).toContain('"backend": "au');
    expect(await notice.innerText()).toContain(aside[0]);
    expect(await page.locator('html').getAttribute('data-theme')).not.toBe('light');
    await shot('settings-notice');
    await notice.getByRole('button', { name: 'OK' }).click();
    await notice.waitFor({ state: 'detached' });
    // Once read, it does not come back over the viewer on a reload (Settings still says it).
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByText('No series open').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    expect(await notice.count()).toBe(0);

    // Where your data lives: a looser existing folder is tightened when lumen serve opens it.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);

    // Using Lumen 2: import the user's folder; both images, one of them three frames.
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: /imported/ }).waitFor({ timeout: 180_000 });
    const firstLine = await report.innerText();
    await shot('imported');
    expect(firstLine).toMatch(/^7 images \(3 files\) imported, 1 file not DICOM/);

    // Security: everything Lumen wrote in the data folder is 0600, every folder 0700.
    const loose = modes(dataDir).filter((m) => m.mode !== (m.folder ? 0o700 : 0o600));
    expect(loose).toEqual([]);

    // Supported DICOM: names in their character set; search finds any name in any letter case.
    await page.getByLabel('Search studies').fill(set.multiframe.search);
    const study = page.getByRole('listitem', { name: new RegExp(`^Study .*${set.multiframe.shown}`) });
    await study.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByRole('listitem', { name: /^Study / }).count(), { timeout: 30_000 }).toBe(1);
    await shot('search-latin1');
    await study.getByTestId('series-card').click();
    await page.getByTestId('corner-patient').filter({ hasText: set.multiframe.shown }).waitFor({ timeout: 60_000 });
    await page.getByText(`${set.multiframe.columns}×${set.multiframe.rows}`, { exact: true }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(500);
    const index = page.getByTestId('image-index');
    const firstIndex = await index.innerText();
    await shot('multiframe');
    // Using Lumen 3: scroll with the arrow keys through the frames.
    const before = await canvasHash(page);
    await page.getByTestId('viewport').click();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => index.innerText(), { timeout: 30_000 }).not.toBe(firstIndex);
    await expect.poll(() => canvasHash(page), { timeout: 30_000 }).not.toBe(before);
    await shot('multiframe-frame-2');
    await page.getByLabel('Search studies').fill('');

    // Using Lumen 3: a colour image is shown as stored; the W/L drag, the preset menu and the keys leave it alone.
    const photo = page.getByRole('listitem', { name: /^Study .*Photo, Pia/ });
    await photo.waitFor({ timeout: 30_000 });
    await photo.getByTestId('series-card').click();
    await page.getByTestId('corner-patient').filter({ hasText: set.photo.shown }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(500);
    await page.waitForTimeout(500);
    const colour = await canvasHash(page);
    await dragOnViewport(page, [0.3, 0.5], [0.6, 0.2]);
    await page.keyboard.press('3');
    await page.waitForTimeout(800);
    expect(await canvasHash(page)).toBe(colour);
    expect(await page.getByTestId('corner-wl').count()).toBe(0);
    await shot('colour');

    // Using Lumen 3: the corners show the value under the pointer in the file's unit: Gy for an RT dose grid, scaled by its Dose Grid Scaling.
    const dose = page.getByRole('listitem', { name: /^Study .*Dose, Dora/ });
    await dose.getByTestId('series-card').click();
    await page.getByTestId('corner-patient').filter({ hasText: set.dose.shown }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(500);
    const doseBox = (await page.getByTestId('viewport').boundingBox())!;
    await page.mouse.move(doseBox.x + doseBox.width * 0.55, doseBox.y + doseBox.height * 0.5);
    const probe = page.getByTestId('corner-value');
    await probe.waitFor({ timeout: 30_000 });
    const probed = /^Value (\S+) Gy at \((\d+), (\d+)\)$/.exec(await probe.innerText());
    expect(probed, await probe.innerText()).not.toBeNull();
    expect(Number(probed![1])).toBeCloseTo(set.dose.gray(Number(probed![2]), Number(probed![3]), 0), 4);
    expect(await page.getByTestId('corner-wl').innerText()).toMatch(/ Gy$/);
    await shot('rtdose');
    // Each study card shows its date whole, whatever the width of its modality badge (RTDOSE beside New).
    const clippedDates = await page.locator('.study-head').evaluateAll((heads) => {
      // Runs in the page; typed here without the DOM library, which the Node project leaves out.
      type Box = { right: number };
      type Node = { nodeType: number; textContent: string | null; childNodes: Node[]; getBoundingClientRect?: () => Box };
      const doc = (globalThis as unknown as { document: { createRange(): { selectNodeContents(n: Node): void; getBoundingClientRect(): Box } } }).document;
      const texts = (n: Node): Node[] => (n.nodeType === 3 ? [n] : Array.from(n.childNodes).flatMap((c) => texts(c)));
      return (heads as unknown as Node[]).flatMap((head) => {
        const column = (head as unknown as { querySelector(s: string): Node }).querySelector('.study-text');
        const date = texts(column).find((t) => /^\d\d-[A-Z][a-z]{2}-\d{4}$/.test(t.textContent ?? ''));
        if (!date) return [];
        const range = doc.createRange();
        range.selectNodeContents(date);
        return range.getBoundingClientRect().right > column.getBoundingClientRect!().right + 0.5 ? [date.textContent] : [];
      });
    });
    expect(clippedDates).toEqual([]);

    // Using Lumen 2: importing the same folder again adds nothing, and the line says so.
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: /already in the library/ }).waitFor({ timeout: 120_000 });
    // …and a file that is not DICOM is listed again as it was the first time.
    expect(await report.innerText()).toMatch(/^0 images imported, 3 files already in the library, 1 file not DICOM/);
    await shot('imported-again');

    // Using Lumen 2–3: "Press ? for every shortcut": the study list's keys the README names are there too.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    // (The PACS tab's results have keys of their own, listed apart.)
    const rows = (await help.locator('tr').allInnerTexts()).filter((r) => !/PACS tab/.test(r));
    expect(rows.filter((r) => /study/i.test(r) && /Delete/.test(r) && /remove/i.test(r))).toHaveLength(1);
    expect(rows.filter((r) => /study/i.test(r) && /End/.test(r) && /last study/i.test(r))).toHaveLength(1);
    await shot('help');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    // Delete on a study's header asks first, naming what goes; Cancel keeps it.
    const head = page.getByRole('listitem', { name: new RegExp(`^Study .*${set.multiframe.shown}`) }).locator('.study-head');
    await head.focus();
    await page.keyboard.press('Delete');
    const ask = page.getByTestId('remove-question');
    await ask.filter({ hasText: /image/ }).waitFor({ timeout: 30_000 });
    // In the card's own count: its three frames are the "3 images" the list and the viewer show (one file).
    expect(await ask.innerText()).toContain('3 images (1 file).');
    await shot('remove-asks');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(await page.getByRole('listitem', { name: /^Study / }).count()).toBe(3);

    // Settings and versions: About shows the app version, the library schema and the package formats in words.
    await page.keyboard.press('F1');
    const about = page.getByRole('dialog', { name: 'About Lumen' });
    await about.waitFor();
    expect(await page.getByTestId('about-version').textContent()).toBe(pkg.version);
    expect(await page.getByTestId('about-library-schema').textContent()).toBe(`version ${SCHEMA_VERSION}`);
    const readme = readFileSync(path.resolve('README.md'), 'utf8').replace(/\s+/g, ' ');
    const formats = (await page.getByTestId('about-package-format').textContent())!;
    // The README quotes About's words for the package formats.
    expect(readme.includes(`"${formats}"`), `README.md does not quote About's "${formats}"`).toBe(true);
    await shot('about');
    await page.keyboard.press('Escape');

    // Where your data lives: Settings shows the data folder; another is kept in the platform folder's settings.json, used from the next start.
    await page.keyboard.press('Control+,');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('settings-data-dir').textContent()).toBe(dataDir);
    // Through the browser a new data folder must be one this session may write: inside the imported folder.
    const next = path.join(set.dir, 'lumen-data');
    await dialog.getByLabel('Data folder').fill(next);
    await dialog.getByRole('button', { name: 'Use from next start' }).click();
    const platformSettings = path.join(outside, 'xdg', 'lumen', 'settings.json');
    await expect.poll(() => existsSync(platformSettings), { timeout: 30_000 }).toBe(true);
    expect(JSON.parse(readFileSync(platformSettings, 'utf8')).dataFolder).toBe(next);
    expect(statSync(platformSettings).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(platformSettings)).mode & 0o777).toBe(0o700);
    expect(await dialog.getByTestId('settings-data-dir').textContent()).toBe(dataDir);
    // The dialog says what the next start opens, and in which file that choice is kept (not this data folder's settings.json).
    await dialog.getByTestId('settings-next-data-dir').filter({ hasText: next }).waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('settings-data-folder-file').textContent()).toBe(platformSettings);
    await shot('settings-data-folder');
    // A folder the session may not write is refused, naming it; nothing changes.
    const elsewhere = path.join(outside, 'elsewhere');
    mkdirSync(elsewhere);
    await dialog.getByLabel('Data folder').fill(elsewhere);
    await dialog.getByRole('button', { name: 'Use from next start' }).click();
    const refused = dialog.locator('.banner.error');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.innerText()).toContain(elsewhere);
    await shot('settings-data-folder-refused');
    expect(JSON.parse(readFileSync(platformSettings, 'utf8')).dataFolder).toBe(next);
    expect(await dialog.getByTestId('settings-next-data-dir').textContent()).toBe(next);
    // An empty field goes back to the platform's folder from the next start.
    await dialog.getByLabel('Data folder').fill('');
    await dialog.getByRole('button', { name: 'Use from next start' }).click();
    await dialog.getByTestId('settings-next-data-dir').filter({ hasText: path.join(outside, 'xdg', 'lumen') }).waitFor({ timeout: 30_000 });
    expect(JSON.parse(readFileSync(platformSettings, 'utf8')).dataFolder).toBeNull();
    await shot('settings-data-folder-default');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);

  it('measures a frame without pixel spacing, writes the measurements as SR, and reads them back as the README says', async () => {
    const { page, errors } = await openApp(session());
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-readme-data-sr-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Escape');
    // A new tab says the settings notice once more (the engine keeps it until it restarts).
    await page.locator('.settings-notice').getByRole('button', { name: 'OK' }).click();
    const study = page.getByRole('listitem', { name: new RegExp(`^Study .*${set.multiframe.shown}`) });
    await study.getByTestId('series-card').click();
    const index = page.getByTestId('image-index');
    await index.waitFor({ timeout: 60_000 });
    await page.getByTestId('viewport').click();
    await page.keyboard.press('End');
    await expect.poll(() => index.innerText(), { timeout: 30_000 }).toBe(`Im ${set.multiframe.frames}/${set.multiframe.frames}`);
    // Using Lumen 3: Length (L) in pixels where the image has no pixel spacing; Ellipse (E) with the region's statistics.
    await page.keyboard.press('l');
    await dragOnViewport(page, [0.3, 0.5], [0.7, 0.5]);
    await page.keyboard.press('e');
    await dragOnViewport(page, [0.4, 0.35], [0.6, 0.6]);
    const list = page.getByTestId('measurements');
    await list.filter({ hasText: /Length 1: [\d.]+ px/ }).waitFor({ timeout: 30_000 });
    await expect.poll(() => list.locator('li').count(), { timeout: 30_000 }).toBe(2);
    const listed = await list.innerText();
    await shot('measured');
    // The ellipse says its area in pixels too (no spacing to make mm² of), with mean, SD, min and max.
    expect(listed).toMatch(/Ellipse 1: .*px²/);
    expect(listed).toMatch(/mean/i);
    // Measurements stay on the frame they were drawn on.
    await page.keyboard.press('Home');
    await expect.poll(() => index.innerText(), { timeout: 30_000 }).toBe(`Im 1/${set.multiframe.frames}`);
    await expect.poll(() => list.locator('li').count(), { timeout: 30_000 }).toBe(0);

    // What Lumen writes: Export results… writes the series' measurements as DICOM SR, which dcmtk reads.
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    const exported = path.join(set.dir, 'exports');
    await dialog.getByLabel('Export to').fill(exported);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').waitFor({ timeout: 120_000 });
    await shot('exported');
    await page.keyboard.press('Escape');
    const written = readdirSync(exported, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(written.length).toBeGreaterThan(0);
    for (const file of written) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      execFileSync('dsrdump', [file], { stdio: 'pipe' });
    }

    // What Lumen reads back: importing the exported folder files the SR with its study as a result, not an image.
    await page.getByLabel('Import a folder or file').fill(exported);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: /result document/ }).waitFor({ timeout: 120_000 });
    expect(await report.innerText()).toMatch(/^\d+ results? documents? imported|result document/);
    await study.getByTestId('series-card').click();
    const results = page.getByTestId('study-results');
    await results.waitFor({ timeout: 60_000 });
    // A value and its unit are joined by a no-break space; read here as typed.
    const findings = (await results.getByTestId('result-finding').allInnerTexts()).map((f) => f.replace(/\u00a0/g, ' '));
    await shot('read-back');
    expect(findings.some((f) => /Length/.test(f))).toBe(true);
    // Each score read whole, in the units the viewer used: px and px² for an image without pixel spacing.
    const length = listed.match(/Length 1: ([\d.]+) px/)![1];
    const area = listed.match(/Area ([\d.]+) px²/)![1];
    expect(findings.some((f) => f.includes(`${length} px`) && !f.includes('{'))).toBe(true);
    expect(findings.some((f) => f.includes(`${area} px²`))).toBe(true);
    // Typed here without the DOM library, which the Node project leaves out.
    type Cell = { scrollWidth: number; clientWidth: number; textContent: string | null };
    const cut = await results.locator('td.num').evaluateAll((cells) => (cells as unknown as Cell[]).filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent));
    expect(cut).toEqual([]);

    // What Lumen writes: de-identified copies hold back a Secondary Capture that does not say whether text is burned in, until the box is ticked.
    await page.getByRole('button', { name: 'Export results…' }).click();
    await dialog.waitFor();
    await dialog.getByLabel('De-identified DICOM copies of the images').check();
    const deid = path.join(set.dir, 'deidentified');
    await dialog.getByLabel('Export to').fill(deid);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const done = dialog.getByTestId('export-done');
    // Counted as the list counts images (the three-frame file is 3 images, in 1 file), with the verb agreeing.
    await done.filter({ hasText: 'Held back 3 images (1 file)' }).waitFor({ timeout: 120_000 });
    expect(await done.innerText()).toContain('Held back 3 images (1 file) that have or may have text burned into the pixels.');
    expect(await done.innerText()).toContain('Wrote de-identified copies of 0 images to ');
    // The SR read back above is about the image held back, so it is not copied either.
    expect(await done.innerText()).toMatch(/1 result document of this (series' )?study not copied \(1 structured report\): they refer to images this copy does not hold/);
    await shot('deidentify-held-back');
    await dialog.getByLabel(/also images that have or may have text burned/).check();
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await done.filter({ hasText: 'Wrote de-identified copies of 3 images (1 file) to ' }).waitFor({ timeout: 120_000 });
    // With the image written, Lumen's SR of its measurements goes with it, de-identified too.
    expect(await done.innerText()).toMatch(/1 result document of this (series' )?study copied \(1 structured report\): made by Lumen/);
    await shot('deidentified');
    const copies = readdirSync(deid, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(copies).toHaveLength(2);
    for (const copy of copies) {
      const dump = execFileSync('dcmdump', ['+P', 'PatientName', '+P', 'PatientIdentityRemoved', copy], { encoding: 'latin1' });
      expect(dump).not.toMatch(/ller/);
      expect(dump).toContain('[YES]');
    }
    const srs = copies.filter((c) => execFileSync('dcmdump', ['+P', 'SOPClassUID', c], { encoding: 'latin1' }).includes('=ComprehensiveSRStorage'));
    expect(srs).toHaveLength(1);
    expect(execFileSync('dsrdump', [srs[0]], { encoding: 'latin1' })).toContain('Length');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
