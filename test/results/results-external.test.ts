// The researcher's results, back out to other software (the researcher's journey, point 3): a
// library of dcmtk-made CT (test/results/fixtures.ts), a tiny trained package run on a series
// with `lumen predict`, then every DICOM `lumen export --results` offers (the predictions and
// measurements SR, heatmaps as Parametric Maps or as Secondary Captures) and the CSV table,
// each read by other software: dcmtk's dcmdump and dsrdump, dicom3tools' dciodvfy (no errors;
// its warnings are written to test-results/results-external-dciodvfy.txt) and GDCM's gdcminfo
// (gdcmdump for the Parametric Maps, a SOP class gdcminfo 3.0 does not know).
// Then `lumen pacs send` stores them all in a real Orthanc, by STOW-RS and by C-STORE, and
// each comes back from Orthanc as the data set sent.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../electron/results/part10';
import { type PackageMetadata } from '../../models/package';
import { resultsDir } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { json, lumen as lumenIn, usePacsFixture } from '../pacs/support';
import { dcmdump, dciodvfy, dsrdump, natural } from './check';
import { lumen, PATIENT_B, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

const SIZE = 64;
const pacs = usePacsFixture('results-external', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } } } });

let lib: ResultsLibrary;
let packageDir: string;
let meta: PackageMetadata;
let outRoot: string;
/** Every DICOM file the exports wrote, with its kind. */
const written: { file: string; kind: string }[] = [];

function gdcm(tool: 'gdcminfo' | 'gdcmdump', file: string): string {
  const r = spawnSync(tool, [file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || /error/i.test(r.stderr)) throw new Error(`${tool} ${file}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  lib = await resultsLibrary('results-external');
  outRoot = tmpDir('results-external-out');
  packageDir = path.join(outRoot, 'tiny-lesion');
  meta = await saveRandomHeadPackage(
    packageDir,
    { inputSize: SIZE, seed: 4, sd: 2, headSeed: 6 },
    { name: 'Tiny lesion', classNames: ['normal', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  // The new study: patient B's series, which nothing has predicted on yet.
  const predicted = await lumen(['predict', '--model', packageDir, '--library', lib.dir, '--series', PATIENT_B.seriesUid, '--json']);
  expect(predicted.code, predicted.stderr).toBe(0);
  expect(JSON.parse(predicted.stdout)).toMatchObject({ modelHash: meta.contentHash, classNames: ['normal', 'lesion'] });
  for (const [name, heatmaps] of [['pm', []], ['sc', ['secondary-capture']]] as const) {
    const out = path.join(outRoot, name);
    const r = await lumen(['export', '--results', PATIENT_B.seriesUid, '--model', packageDir, '--heatmaps', ...heatmaps, '--library', lib.dir, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    written.push(...(JSON.parse(r.stdout).files as { file: string; kind: string }[]));
  }
}, 300_000);
afterAll(() => lib?.library.close());

describe('exported results read by other software', () => {
  it('each kind the README offers: dcmdump, dsrdump, gdcminfo read it; dciodvfy finds no error', () => {
    const kinds = written.map((f) => f.kind);
    const images = lib.library.listInstances(PATIENT_B.seriesUid).length;
    // Each export: the predictions SR (patient B has a study label, so it is in the SR too) and a map per image.
    expect(kinds.filter((k) => k === 'predictions-sr')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'parametric-map')).toHaveLength(images);
    expect(kinds.filter((k) => k === 'secondary-capture')).toHaveLength(images);
    const warnings: string[] = [];
    for (const { file, kind } of written) {
      dcmdump(file);
      const { errors, output } = dciodvfy(file);
      expect(errors, `${kind} ${file}\n${output}`).toEqual([]);
      for (const w of output.split('\n').filter((l) => /^Warning/.test(l))) warnings.push(`${kind}: ${w}`);
      const ds = natural(file);
      expect(ds.PatientID).toBe(PATIENT_B.patientId);
      expect(ds.StudyInstanceUID).toBe(PATIENT_B.studyUid);
      // GDCM 3.0's gdcminfo knows no Parametric Map Storage ("Unknown MediaStorage", exit 1, for
      // any such file): gdcmdump reads those through, float pixel data included.
      if (kind === 'parametric-map') expect(gdcm('gdcmdump', file)).toMatch(/\(7fe0,0008\) OF/);
      else expect(gdcm('gdcminfo', file)).toContain(`MediaStorage is ${ds.SOPClassUID as string}`);
      if (kind === 'predictions-sr') {
        const text = dsrdump(file);
        expect(text).toContain('"Imaging Measurement Report"');
        expect(text).toContain('Tiny lesion');
      }
      if (kind === 'parametric-map') expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.30');
      if (kind === 'secondary-capture') expect(ds.SOPClassUID).toMatch(/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.7/);
    }
    fs.writeFileSync(path.join(resultsDir(), 'results-external-dciodvfy.txt'), [...new Set(warnings)].sort().join('\n') + '\n');
  });

  it('the CSV table: one row per image and class of the new study, with the package hash', async () => {
    const out = path.join(outRoot, 'predictions.csv');
    const r = await lumen(['export', '--csv', 'predictions', '--series', PATIENT_B.seriesUid, '--model', meta.contentHash, '--library', lib.dir, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = fs.readFileSync(out, 'utf8').trimEnd().split('\r\n');
    const images = lib.library.listInstances(PATIENT_B.seriesUid).length;
    expect(rows).toHaveLength(1 + images * 2);
    for (const row of rows.slice(1)) expect(row).toContain(meta.contentHash);
  });

  it.each([
    ['web', 'STOW-RS'],
    ['dimse', 'C-STORE'],
  ])('lumen pacs send over %s: Orthanc stores every file and gives back the data set sent', async (name, protocol) => {
    const orthanc = pacs.orthanc;
    const dataDir = path.join(pacs.scratch, `data-${name}`);
    const add = name === 'web'
      ? await lumenIn(dataDir, ['pacs', 'add', '--name', name, '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password)
      : await lumenIn(dataDir, ['pacs', 'add', '--name', name, '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
    expect(add.code, add.stderr).toBe(0);
    const sent = await lumenIn(dataDir, ['pacs', 'send', '--pacs', name, ...written.map((f) => f.file), '--json']);
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const report = json(sent);
    expect(report).toMatchObject({ protocol, stored: written.length, failed: 0, skipped: 0 });
    for (const { file } of written) {
      const sop = natural(file).SOPInstanceUID as string;
      const found = (await (await orthanc.rest('POST', '/tools/lookup', sop)).json()) as { ID: string; Type: string }[];
      const id = found.find((f) => f.Type === 'Instance')?.ID;
      expect(id, `${file} in Orthanc`).toBeDefined();
      const back = path.join(pacs.scratch, `back-${name}.dcm`);
      fs.writeFileSync(back, Buffer.from(await (await orthanc.rest('GET', `/instances/${id}/file`)).arrayBuffer()));
      expect(readDataset(back).dataset).toEqual(readDataset(file).dataset);
      // Orthanc's own view of it is whole: its tags parse and name the study.
      const tags = (await (await orthanc.rest('GET', `/instances/${id}/simplified-tags`)).json()) as Record<string, unknown>;
      expect(tags).toMatchObject({ SOPInstanceUID: sop, StudyInstanceUID: PATIENT_B.studyUid });
    }
  }, 120_000);
});
