// A hospital user follows README.md's "Working with a PACS" with the keyboard alone, in Debian's
// Chromium through `lumen serve`'s bridge and the real engine, against a real Orthanc
// (test/support/orthanc.ts) that holds DICOM dcmtk made (dump2dcm) and dcmtk sent (storescu):
// Settings by Ctrl+, ; a DIMSE connection typed into the form and saved with Enter; Test
// connection; the PACS tab's search by a study date range typed into the date fields, then (Change
// search, the dates cleared) by patient name (lower case, with a wildcard); the study
// retrieved by C-GET; opened in the viewer from the library by keys, with the header's window and
// spacing. Then the receiver's port and allowed sender typed in Settings, the receiver switched on
// by Space takes the study dcmtk's storescu sends (it shows up in the library), and refuses a
// caller it does not allow. Every control Tab stops on must show where the focus is.
// Screenshots: test-results/journey-s15-*.png.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { freePort, type Orthanc, orthancInstalled, startOrthanc } from '../support/orthanc';
import { focused } from './focus';

const ROOT = '1.2.826.0.1.3680043.10.1137.1515';
const SMITH = { study: `${ROOT}.1`, series: `${ROOT}.1.1`, images: 3, name: 'Smith^Anna', id: 'F15A', date: '20240315', desc: 'CHEST F15' };
const JONES = { study: `${ROOT}.2`, series: `${ROOT}.2.1`, images: 2, name: 'Jones^Bob', id: 'F15B', date: '20230601', desc: 'HEAD F15' };

/** A 64×64 CT slice written by dcmtk's dump2dcm from a text dump (no Lumen code writes it). */
function dump2dcm(work: string, file: string, p: typeof SMITH, i: number): void {
  const px = Buffer.alloc(64 * 64 * 2);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) px.writeInt16LE(1000 + i * 10 + ((x * y) % 50), (y * 64 + x) * 2);
  const raw = path.join(work, `px${i}.raw`);
  writeFileSync(raw, px);
  const sop = `${p.series}.${i}`;
  const dump = [
    '(0002,0002) UI =CTImageStorage', `(0002,0003) UI ${sop}`, '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0016) UI =CTImageStorage', `(0008,0018) UI ${sop}`, `(0008,0020) DA [${p.date}]`, '(0008,0030) TM [101010]',
    `(0008,0050) SH [ACC${p.id}]`, '(0008,0060) CS [CT]', `(0008,1030) LO [${p.desc}]`, `(0010,0010) PN [${p.name}]`, `(0010,0020) LO [${p.id}]`,
    `(0020,000d) UI ${p.study}`, `(0020,000e) UI ${p.series}`, '(0020,0011) IS [1]', `(0020,0013) IS [${i}]`,
    `(0020,0032) DS [0\\0\\${i * 2.5}]`, '(0020,0037) DS [1\\0\\0\\0\\1\\0]', '(0028,0002) US 1', '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 64', '(0028,0011) US 64', '(0028,0030) DS [0.5\\0.5]', '(0028,0100) US 16', '(0028,0101) US 16', '(0028,0102) US 15',
    '(0028,0103) US 1', '(0028,1050) DS [40]', '(0028,1051) DS [400]', '(0028,1052) DS [-1024]', '(0028,1053) DS [1]', `(7fe0,0010) OW =${raw}`,
  ].join('\n');
  const text = path.join(work, `d${i}.txt`);
  writeFileSync(text, dump + '\n');
  execFileSync('dump2dcm', ['+E', text, file], { stdio: 'pipe' });
}

let orthanc: Orthanc;
let dicomDir: string;
let receiverPort: number;

beforeAll(async () => {
  if (!orthancInstalled()) throw new Error('Orthanc is not installed (Debian packages orthanc and orthanc-dicomweb).');
  dicomDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-s15-dicom-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-s15-work-'));
  for (const p of [SMITH, JONES]) {
    mkdirSync(path.join(dicomDir, p.id));
    for (let i = 1; i <= p.images; i++) dump2dcm(work, path.join(dicomDir, p.id, `${i}.dcm`), p, i);
  }
  rmSync(work, { recursive: true, force: true });
  receiverPort = await freePort();
  orthanc = await startOrthanc();
  // dcmtk sends them to Orthanc, as a modality would (Orthanc takes a store from anyone).
  for (const p of [SMITH, JONES]) {
    const sent = spawnSync('storescu', ['-aet', 'MODALITY', '-aec', orthanc.aet, '127.0.0.1', String(orthanc.dicomPort), '+sd', path.join(dicomDir, p.id)], { encoding: 'utf8' });
    if (sent.status !== 0) throw new Error(`storescu: ${sent.stderr}`);
  }
  const stats = (await (await orthanc.rest('GET', '/statistics')).json()) as { CountInstances: number };
  expect(stats.CountInstances).toBe(SMITH.images + JONES.images);
}, 120_000);

afterAll(async () => {
  await orthanc?.stop();
  if (dicomDir) rmSync(dicomDir, { recursive: true, force: true });
});

describe('a PACS journey by keyboard, with DICOM that dcmtk made and sent', () => {
  // Orthanc lets LUMEN query and C-GET (it must know the calling AE title).
  const session = useUiSession('lumen-journey-s15', async () => {
    await orthanc.rest('PUT', '/modalities/lumen', JSON.stringify({ AET: 'LUMEN', Host: '127.0.0.1', Port: receiverPort, AllowGet: true, AllowFind: true, AllowMove: true, AllowStore: true, AllowEcho: true }));
  });

  it('adds, tests, searches, retrieves and opens by keys; the receiver takes what storescu sends', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-s15-${String(++step).padStart(2, '0')}-${name}.png`) });
    const tabTo = async (name: RegExp, opts: { back?: boolean; max?: number } = {}) => {
      const hidden: string[] = [];
      const passed: string[] = [];
      for (let i = 0; i < (opts.max ?? 80); i++) {
        await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
        const f = await focused(page, { parentRing: true });
        passed.push(f.name.slice(0, 40));
        if (!f.ring) hidden.push(`${f.tag} "${f.name.slice(0, 40)}"`);
        if (name.test(f.name)) {
          expect(hidden, `focus not shown on the way to ${name}`).toEqual([]);
          return f;
        }
      }
      throw new Error(`Tab never reached ${name}; it passed ${passed.join(' | ')}`);
    };
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');

    // Settings (Ctrl+,): Add a PACS connection…, DIMSE by the arrow key, the fields typed, Enter saves.
    await page.keyboard.press('Control+,');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    await tabTo(/^Add a PACS connection…$/, { max: 120 });
    await page.keyboard.press('Enter');
    const form = dialog.getByRole('form', { name: 'New PACS connection' });
    await form.waitFor();
    await tabTo(/DICOMweb/, { back: true, max: 40 }).catch(async () => tabTo(/DICOMweb/, { max: 40 }));
    await page.keyboard.press('ArrowRight');
    expect(await form.getByLabel('DIMSE').isChecked()).toBe(true);
    for (const [label, value] of [[/^Name/, 'orthanc-dimse'], [/^PACS AE title/, orthanc.aet], [/^Host/, '127.0.0.1'], [/^Port/, String(orthanc.dicomPort)]] as const) {
      await tabTo(label, { max: 10 });
      await page.keyboard.press('Control+A');
      await page.keyboard.type(value);
    }
    await tabTo(/^Lumen's AE title/, { max: 10 });
    expect(await form.getByLabel("Lumen's AE title").inputValue()).toBe('LUMEN');
    await shot('connection-typed');
    await page.keyboard.press('Enter');
    const row = dialog.getByTestId('pacs-connection').filter({ hasText: 'orthanc-dimse' });
    await row.waitFor({ timeout: 30_000 });
    await tabTo(/^Test connection$/, { max: 60 });
    await page.keyboard.press('Enter');
    const result = row.getByTestId('pacs-test-result');
    await result.filter({ hasNotText: 'Testing…' }).waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(/^Connected: ORTHANC answered a C-ECHO and a test query \(C-FIND\) in \d+ ms\.$/);
    await shot('connection-tested');

    // The receiver's settings in the same dialog: its port, and MODALITY allowed to send.
    await tabTo(/^Port/, { max: 40 });
    await page.keyboard.press('Control+A');
    await page.keyboard.type(String(receiverPort));
    await tabTo(/^Allowed senders/, { max: 6 });
    await page.keyboard.type('MODALITY');
    await page.keyboard.press('Enter');
    const receiverForm = dialog.getByRole('form', { name: 'Receiver (C-STORE)' });
    await receiverForm.getByRole('status').filter({ hasText: /Allowed senders: .*MODALITY/ }).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // The PACS tab: a search by patient name, in lower case with a wildcard, then by date range.
    await tabTo(/^PACS$/, { max: 60 });
    await page.keyboard.press('Enter');
    const tab = page.getByTestId('pacs-tab');
    await tab.waitFor();
    const count = tab.getByRole('status').filter({ hasText: / on orthanc-dimse$|^No studies match\.$/ });
    const studies = tab.getByTestId('pacs-study');
    // By study date, typed into the date fields (month, day, year in this locale): 2023 only.
    await tabTo(/^From/, { max: 30 });
    await page.keyboard.type('01012023');
    await tabTo(/^To/, { max: 4 });
    await page.keyboard.type('12312023');
    await page.keyboard.press('Enter');
    await count.waitFor({ timeout: 60_000 });
    expect(await count.textContent()).toBe('1 study on orthanc-dimse');
    expect(await studies.first().textContent()).toContain('Jones, Bob');
    await shot('search-date');
    // Change search: the dates cleared, a patient name instead.
    await tabTo(/^Change search$/, { back: true, max: 20 });
    await page.keyboard.press('Enter');
    for (const label of [/^From/, /^To/]) {
      await tabTo(label, { max: 30 });
      for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Tab');
      }
      await page.keyboard.press('Shift+Tab');
    }
    expect([await tab.getByLabel('From', { exact: true }).inputValue(), await tab.getByLabel('To', { exact: true }).inputValue()]).toEqual(['', '']);
    await tabTo(/^Patient name/, { back: true, max: 20 });
    await page.keyboard.type('smith*');
    await page.keyboard.press('Enter');
    await count.filter({ hasNotText: 'Searching' }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => studies.first().textContent(), { timeout: 30_000 }).toContain('Smith, Anna');
    expect(await count.textContent()).toBe('1 study on orthanc-dimse');
    expect(await studies.count()).toBe(1);
    expect(await studies.first().textContent()).toContain('Smith, Anna');
    await shot('search-name');

    // Retrieve it (C-GET), by the study's Retrieve button.
    await tabTo(/^Retrieve the study/, { max: 30 });
    await page.keyboard.press('Enter');
    const report = tab.getByTestId('pacs-retrieve-report');
    await report.filter({ hasText: /retrieved/ }).waitFor({ timeout: 90_000 });
    expect(await report.textContent()).toContain(`${SMITH.images} images retrieved`);
    await studies.first().getByTestId('pacs-held').filter({ hasText: /^In library$/ }).waitFor({ timeout: 30_000 });
    await shot('retrieved');

    // Open it from the library, by keys: the Library tab, the study list, the series card, Enter.
    await tabTo(/^Library$/, { back: true, max: 60 });
    await page.keyboard.press('Enter');
    await page.getByTestId('study-list').getByRole('listitem', { name: /^Study / }).first().waitFor({ timeout: 30_000 });
    await tabTo(/^▾/, { max: 40 });
    await tabTo(/open series$/, { max: 6 });
    await page.keyboard.press('Enter');
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${SMITH.images}` }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: `Im 2/${SMITH.images}` }).waitFor({ timeout: 30_000 });
    await viewerReady(page);
    await shot('viewer');

    // The receiver, switched on by Space: dcmtk's storescu sends the other study as MODALITY; a
    // caller it does not allow (STRANGER) is refused.
    await tabTo(/^PACS$/, { back: true, max: 60 });
    await page.keyboard.press('Enter');
    await tabTo(/^Receive studies \(C-STORE\)$/, { max: 40 });
    await page.keyboard.press('Space');
    const receiver = page.getByTestId('pacs-receiver');
    await receiver.getByText('On', { exact: true }).waitFor({ timeout: 30_000 });
    const storescu = (aet: string, ...files: string[]) => spawnSync('storescu', ['-aet', aet, '-aec', 'LUMEN', '127.0.0.1', String(receiverPort), ...files], { encoding: 'utf8' });
    expect(storescu('MODALITY', '+sd', path.join(dicomDir, JONES.id)).status).toBe(0);
    await receiver.getByTestId('receiver-counts').filter({ hasText: `${JONES.images} images received, 0 files failed, 0 associations refused` }).waitFor({ timeout: 60_000 });
    await receiver.getByText(`received ${JONES.images} images from "MODALITY".`).waitFor({ timeout: 30_000 });
    expect(storescu('STRANGER', path.join(dicomDir, SMITH.id, '1.dcm')).status).not.toBe(0);
    await receiver.getByTestId('receiver-counts').filter({ hasText: `${JONES.images} images received, 0 files failed, 1 association refused` }).waitFor({ timeout: 30_000 });
    await receiver.getByText('refused an association from "STRANGER": not an allowed calling AE title').waitFor({ timeout: 30_000 });
    await shot('receiver');
    await tabTo(/^Library$/, { back: true, max: 60 });
    await page.keyboard.press('Enter');
    await page.getByTestId('study-list').getByRole('listitem', { name: /^Study / }).filter({ hasText: 'Jones, Bob' }).waitFor({ timeout: 30_000 });
    // The file's own window (40/400 in HU), its spacing, from the header dcmtk wrote.
    const corners = (await page.getByTestId('viewport').locator('..').textContent()) ?? '';
    expect(corners).toContain('64×64 · 0.5×0.5 mm');
    expect(corners).toContain('W 400 L 40 HU');
    expect(errors).toEqual([]);
  }, 420_000);
});
