// A tester follows README.md's "What Lumen writes", "What Lumen reads back" and the sending part
// of "Working with a PACS" with DICOM that dcmtk made (dump2dcm): a knee CT whose file is in
// ISO 8859-1 (Müller^Jürgen, left knee) and a chest CT in UTF-8 (Ødegård^Åse). In Debian's
// Chromium through `lumen serve`'s bridge and the real engine: import, Run a model whose class
// name is not ASCII, Export results… (SR with heatmaps as Parametric Maps, a CSV table,
// de-identified copies). Each file is checked by tools that are not ours (dciodvfy, dsrdump,
// dcmdump); the SR's scores agree with the CSV's; `lumen pacs send` stores them in a real Orthanc
// by STOW-RS, `lumen pacs retrieve` brings them back, and the app reads what Orthanc returned as
// the study's Results. Screenshots: test-results/journey-s16-results-*.png.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { type Orthanc, orthancInstalled, startOrthanc } from '../support/orthanc';
import { saveRandomHeadPackage } from '../support/tiny-package';

const ROOT = '1.2.826.0.1.3680043.10.1137.1616';
interface Patient { study: string; series: string; n: number; charset: string; encoding: 'latin1' | 'utf8'; name: string; id: string; body: string; side: string; desc: string; date: string }
const KNEE: Patient = { study: `${ROOT}.2`, series: `${ROOT}.2.1`, n: 2, charset: 'ISO_IR 100', encoding: 'latin1', name: 'Müller^Jürgen', id: 'T1B', body: 'KNEE', side: 'L', desc: 'Knie links Ä', date: '20230601' };
const CHEST: Patient = { study: `${ROOT}.1`, series: `${ROOT}.1.1`, n: 3, charset: 'ISO_IR 192', encoding: 'utf8', name: 'Ødegård^Åse', id: 'T1A', body: 'CHEST', side: '', desc: 'Thorax nativ – Übersicht', date: '20240315' };

/** A 64×64 CT slice written by dcmtk's dump2dcm from a dump in the patient's own character set. */
function dump2dcm(dir: string, p: Patient, i: number): void {
  const px = Buffer.alloc(64 * 64 * 2);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) px.writeInt16LE(1000 + i * 10 + ((x * y) % 50) + ((x - 32) ** 2 + (y - 32) ** 2 < 100 ? 300 : 0), (y * 64 + x) * 2);
  const raw = path.join(dir, `${p.id}-${i}.raw`);
  writeFileSync(raw, px);
  const sop = `${p.series}.${i}`;
  const dump = [
    '(0002,0002) UI =CTImageStorage', `(0002,0003) UI ${sop}`, '(0002,0010) UI =LittleEndianExplicit', `(0008,0005) CS [${p.charset}]`,
    '(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]', '(0008,0016) UI =CTImageStorage', `(0008,0018) UI ${sop}`, `(0008,0020) DA [${p.date}]`,
    '(0008,0030) TM [101010]', `(0008,0050) SH [ACC${p.id}]`, '(0008,0060) CS [CT]', '(0008,0070) LO [Other Vendor]', '(0008,0080) LO [Klinikum Süd]',
    '(0008,0090) PN [Dr^Weiß]', `(0008,1030) LO [${p.desc}]`, '(0008,103e) LO [Axial]', `(0010,0010) PN [${p.name}]`, `(0010,0020) LO [${p.id}]`,
    '(0010,0030) DA [19600101]', '(0010,0040) CS [F]', `(0018,0015) CS [${p.body}]`, '(0018,0050) DS [2.5]', '(0018,0060) DS [120]', '(0018,5100) CS [HFS]',
    `(0020,000d) UI ${p.study}`, `(0020,000e) UI ${p.series}`, `(0020,0010) SH [S${p.id}]`, '(0020,0011) IS [1]', '(0020,0012) IS [1]', `(0020,0013) IS [${i}]`,
    `(0020,0032) DS [0\\0\\${i * 2.5}]`, '(0020,0037) DS [1\\0\\0\\0\\1\\0]', `(0020,0052) UI ${p.study}.9`, `(0020,0060) CS [${p.side}]`, '(0020,1040) LO []',
    '(0028,0002) US 1', '(0028,0004) CS [MONOCHROME2]', '(0028,0010) US 64', '(0028,0011) US 64', '(0028,0030) DS [0.5\\0.5]', '(0028,0100) US 16',
    '(0028,0101) US 16', '(0028,0102) US 15', '(0028,0103) US 1', '(0028,0301) CS [NO]', '(0028,1050) DS [40]', '(0028,1051) DS [400]',
    '(0028,1052) DS [-1024]', '(0028,1053) DS [1]', `(7fe0,0010) OW =${raw}`,
  ].join('\n');
  const text = path.join(dir, `${p.id}-${i}.txt`);
  writeFileSync(text, dump + '\n', p.encoding);
  mkdirSync(path.join(dir, p.id), { recursive: true });
  execFileSync('dump2dcm', ['+E', text, path.join(dir, p.id, `${i}.dcm`)], { stdio: 'pipe' });
}

const tool = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`;
};
const dciodvfyErrors = (file: string) => tool('dciodvfy', [file]).split('\n').filter((l) => /^Error/.test(l));
const dcmdump = (file: string) => tool('dcmdump', ['+U8', file]);
/** The Numeric Values (0040,a30a) of an SR, in document order, as dcmdump prints them. */
const srNumbers = (file: string) => [...dcmdump(file).matchAll(/\(0040,a30a\) DS \[([^\]]+)\]/g)].map((m) => Number(m[1]));

let orthanc: Orthanc;
beforeAll(async () => {
  if (!orthancInstalled()) throw new Error('Orthanc is not installed (Debian packages orthanc and orthanc-dicomweb).');
  orthanc = await startOrthanc();
}, 120_000);
afterAll(async () => {
  await orthanc?.stop();
});

describe('results Lumen writes, checked by other tools, sent to Orthanc and read back', () => {
  let incoming = '';
  const session = useUiSession('lumen-journey-s16-results', async (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    for (const p of [KNEE, CHEST]) for (let i = 1; i <= p.n; i++) dump2dcm(incoming, p, i);
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'knee'),
      { inputSize: 32, seed: 3, sd: 20, headSeed: 5 },
      { name: 'Knöchel-Klassifikator', classNames: ['normal', 'Läsion'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  });

  it('writes SR, Parametric Maps, a CSV and de-identified copies that agree, and reads them back from Orthanc', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-s16-results-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    // Import; both names read in their own character sets.
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: '5 images imported' }).waitFor({ timeout: 120_000 });
    const list = page.getByTestId('study-list');
    await list.getByText(/Müller/).first().waitFor({ timeout: 30_000 });
    await list.getByText(/Ødegård/).first().waitFor({ timeout: 30_000 });
    await page.getByRole('listitem', { name: /^Study .*Müller/ }).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/2' }).waitFor({ timeout: 60_000 });

    // Run the package on the series: two images' scores.
    const entry = page.locator('label.package').filter({ hasText: 'Knöchel-Klassifikator' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: /^Series \(2 images/ }).or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await shot('predicted');

    // Export results…: the study's SR; the heatmaps asked for are left out, with a word: this
    // 32-px model's map is one cell, which cannot show where (s16 T1-3; the viewer draws none either).
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('its whole study').check();
    await dialog.getByLabel('DICOM results (SR: predictions, measurements, labels)').check();
    const model = dialog.getByLabel('Model', { exact: true });
    await model.locator('option', { hasText: 'Knöchel-Klassifikator' }).waitFor({ state: 'attached', timeout: 30_000 });
    await model.selectOption({ index: 1 });
    await dialog.getByRole('checkbox', { name: /with heatmaps/ }).check();
    const srDir = path.join(dataDir, 'exports', 'sr');
    await dialog.getByLabel('Export to').fill(srDir);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: /2 image predictions/ }).waitFor({ timeout: 120_000 });
    expect(await dialog.getByTestId('export-done').textContent()).toContain(`No heatmap written for the ${KNEE.n} predicted images: the model's heatmap is one cell (1×1)`);
    await shot('exported-sr');
    const written = readdirSync(srDir).sort();
    const maps = written.filter((f) => f.startsWith('parametric-map'));
    const sr = written.filter((f) => f.startsWith('predictions-sr'));
    expect(maps).toEqual([]);
    expect(sr).toHaveLength(1);
    for (const f of written) expect(dciodvfyErrors(path.join(srDir, f)), f).toEqual([]);

    // The SR, as dsrdump reads it: the patient in UTF-8, the left knee, the class as 99LUMEN code.
    const srFile = path.join(srDir, sr[0]);
    const dsr = tool('dsrdump', ['+U8', srFile]);
    expect(dsr).toContain('Müller^Jürgen');
    expect(dsr).toContain('"Imaging Measurement Report"');
    expect(dsr).toContain('(72696002,SCT,"Knee")');
    expect(dsr).toContain('(7771000,SCT,"Left")');
    expect(dsr).toMatch(/\(\w+,99LUMEN,"Läsion"\)/);
    const srDump = dcmdump(srFile);
    expect(srDump).toContain(`(0020,000d) UI [${KNEE.study}]`);
    expect(srDump).toContain('(0010,0020) LO [T1B]');
    expect(srDump).not.toContain('Ødegård');
    // Each map lies on its image's grid and names its side.
    for (const f of maps) {
      const d = dcmdump(path.join(srDir, f));
      expect(d).toContain('(0010,0010) PN [Müller^Jürgen]');
      expect(d).toContain('(0020,0060) CS [L]');
      expect(d).toContain('(0028,0030) DS [0.5\\0.5]');
    }

    // A CSV table of the predictions: the same scores as the SR's, class by class.
    await dialog.getByLabel('A table (CSV or JSON)').check();
    const csv = path.join(dataDir, 'exports', 'predictions.csv');
    await dialog.getByLabel('Export to').fill(csv);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: 'Wrote 4 rows' }).waitFor({ timeout: 30_000 });
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n').slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[7])).toEqual(['normal', 'Läsion', 'normal', 'Läsion']);
    expect(rows.every((r) => r[3] === KNEE.study && r[1] === 'Knöchel-Klassifikator')).toBe(true);
    const csvScores = rows.map((r) => Number(r[8]));
    const srScores = srNumbers(srFile);
    expect(srScores).toHaveLength(4);
    srScores.forEach((s, i) => expect(s).toBeCloseTo(csvScores[i], 6));

    // De-identified copies of the study: no name, institution or physician left; valid CT.
    await dialog.getByLabel('De-identified DICOM copies of the images').check();
    const deid = path.join(dataDir, 'exports', 'deid');
    await dialog.getByLabel('Export to').fill(deid);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: `Wrote de-identified copies of ${KNEE.n} images to ` }).waitFor({ timeout: 60_000 });
    await shot('exported-deidentified');
    const copies = readdirSync(deid, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm'));
    expect(copies).toHaveLength(KNEE.n);
    for (const c of copies) {
      const d = dcmdump(path.join(deid, c));
      for (const gone of ['Müller', 'Jürgen', 'Klinikum', 'Weiß', KNEE.study, 'T1B']) expect(d, c).not.toContain(gone);
      expect(d).toContain('(0012,0062) CS [YES]');
      expect(d).toContain('Knie links Ä');
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // `lumen pacs send` stores the SR and maps in Orthanc by STOW-RS; `lumen pacs retrieve` brings them back.
    const add = spawnSync(process.execPath, ['bin/lumen.mjs', 'pacs', 'add', '--name', 'orthanc', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], {
      input: orthanc.password,
      encoding: 'utf8',
      env: { ...process.env, LUMEN_DATA_DIR: dataDir },
    });
    expect(add.status, add.stderr).toBe(0);
    const sent = await runLumen(['pacs', 'send', '--pacs', 'orthanc', path.join(incoming, KNEE.id), srDir], dataDir);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(`${KNEE.n + 1 + maps.length} stored, 0 failed`);
    const back = path.join(dataDir, 'from-orthanc');
    const got = await runLumen(['pacs', 'retrieve', '--pacs', 'orthanc', KNEE.study, '--library', back, '--json'], dataDir);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ listed: KNEE.n + 1 + maps.length, failed: 0, receivedImages: KNEE.n });

    // The app reads what Orthanc returned as the study's results: the report, its findings and the maps.
    await page.getByLabel('Import a folder or file').fill(path.join(back, 'pacs'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: maps.length ? `${1 + maps.length} result documents imported` : '1 result document imported' }).waitFor({ timeout: 120_000 });
    await page.getByRole('listitem', { name: /^Study .*Müller/ }).getByTestId('series-card').first().click();
    const results = page.getByRole('region', { name: /Results/ });
    await results.getByTestId('result-finding').nth(1).waitFor({ timeout: 30_000 });
    const findings = await results.getByTestId('result-finding').allInnerTexts();
    expect(findings).toHaveLength(KNEE.n);
    // Each finding is the top class at the SR's score, as a percentage, and the model's name.
    findings.forEach((f, i) => {
      const top = Math.max(srScores[2 * i], srScores[2 * i + 1]);
      expect(f.replace(/\s+/g, ' ')).toContain(`Läsion ${(top * 100).toFixed(1)}%`);
      expect(f).toContain('Knöchel-Klassifikator');
    });
    expect(await results.locator('[data-kind="parametric-map"]').count()).toBe(0);
    await shot('results-from-orthanc');
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
