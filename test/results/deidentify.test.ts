// De-identified export (issue #16 point 6): files made by dcmtk (dump2dcm, then dcmodify)
// carrying known identifiers in names, IDs, dates, descriptions, private tags and nested
// sequences; `lumen export --deidentify` must leave none of them anywhere in the bytes it
// writes, keep the pixel data as it was, add no dciodvfy error, and map one patient and
// one study the same way every time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { decodeFrame } from '../../electron/dicom/decode';
import { parseDicomFile } from '../../electron/dicom/parse';
import { exportDeidentified } from '../../electron/results/deidentify';
import { writeSlice } from '../library/fixtures';
import { dciodvfy, dcmdump, natural } from './check';
import { lumen, tmpDir } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.77';
const SERIES_A = `${STUDY}.1`;
const SERIES_B = `${STUDY}.2`;
const SERIES_BURNED = `${STUDY}.3`;
const PATIENT = { patientName: 'SMITH^JOHN^QUINCY', patientId: 'MRN774411', studyUid: STUDY, studyDate: '20240102', studyDescription: 'CT CHEST SMITH MRN774411' };

/** Every string that must not leave the machine, with the UIDs of the originals. */
const IDENTIFIERS = [
  'SMITH', 'JOHN', 'QUINCY', 'MRN774411', 'ALT99812', '19511203', '1951-12-03', 'St Elsewhere', 'Elsewhere', 'HOUSE^GREGORY', 'GREGORY',
  'CUDDY', 'WILSON', 'REQ2231', 'SECRET-PRIVATE-VALUE', 'ACME LABS', 'CTSCANNER7', '20240102', '20240103', 'ACCMRN774411', 'Princeton-Plainsboro',
  STUDY, SERIES_A, SERIES_B, `${SERIES_A}.1`, `${SERIES_A}.2`, `${SERIES_B}.1`, `${SERIES_B}.2`,
];

let input: string;
let libDir: string;
let library: Library;
const sources = new Map<string, string>();

beforeAll(async () => {
  input = tmpDir('deid-in');
  const slices = [
    { seriesUid: SERIES_A, sopUid: `${SERIES_A}.1`, instanceNumber: 1, seriesDescription: 'AXIAL QUINCY' },
    { seriesUid: SERIES_A, sopUid: `${SERIES_A}.2`, instanceNumber: 2, seriesDescription: 'AXIAL QUINCY' },
    { seriesUid: SERIES_B, sopUid: `${SERIES_B}.1`, instanceNumber: 1, seriesDescription: 'SCOUT 20240102', seriesNumber: 2 },
    { seriesUid: SERIES_BURNED, sopUid: `${SERIES_BURNED}.1`, instanceNumber: 1, seriesDescription: 'BURNED', seriesNumber: 3 },
    // A bare data set (no preamble, no meta information), which Lumen imports too.
    { seriesUid: SERIES_B, sopUid: `${SERIES_B}.2`, instanceNumber: 2, seriesDescription: 'SCOUT 20240102', seriesNumber: 2, bare: true },
  ];
  for (const s of slices) {
    const file = path.join(input, `${s.sopUid}.dcm`);
    // Private elements through dump2dcm (dcmodify cannot give a private element a VR).
    writeSlice(file, { ...PATIENT, ...s, bare: false, extraLines: ['(0009,0010) LO [ACME LABS]', '(0009,1001) LO [SECRET-PRIVATE-VALUE]', '(0009,1002) PN [SMITH^JOHN]'] });
    const edits = [
      '(0010,0030)=19511203',
      '(0010,1000)=ALT99812',
      '(0008,0080)=St Elsewhere Hospital',
      '(0008,0081)=Princeton-Plainsboro',
      '(0008,0090)=HOUSE^GREGORY',
      '(0008,1070)=CUDDY^LISA',
      '(0008,1010)=CTSCANNER7',
      '(0008,0023)=20240103',
      '(0020,4000)=Seen by HOUSE, patient MRN774411 born 1951-12-03',
      '(0040,0275)[0].(0040,1001)=REQ2231',
      '(0040,0275)[0].(0032,1032)=WILSON^JAMES',
      '(0040,0260)[0].(0008,0100)=P1',
      '(0040,0260)[0].(0008,0102)=99LOCAL',
      '(0040,0260)[0].(0008,0104)=Protocol of SMITH JOHN',
      `(0008,1140)[0].(0008,1150)=1.2.840.10008.5.1.4.1.1.2`,
      `(0008,1140)[0].(0008,1155)=${SERIES_A}.1`,
      ...(s.seriesUid === SERIES_BURNED ? ['(0028,0301)=YES'] : []),
    ];
    execFileSync('dcmodify', ['-nb', ...edits.flatMap((e) => ['-i', e]), file], { stdio: 'pipe' });
    // dcmodify keeps the file format; dcmconv -F then writes the bare data set.
    if ('bare' in s && s.bare) {
      execFileSync('dcmconv', ['-F', file, `${file}.bare`], { stdio: 'pipe' });
      fs.renameSync(`${file}.bare`, file);
    }
    sources.set(s.sopUid, file);
  }
  libDir = path.join(tmpDir('deid-lib'), 'library');
  library = Library.open(libDir);
  const report = await library.importPaths([input]);
  expect(report.imported).toBe(5);
}, 120_000);
afterAll(() => library?.close());

/** All .dcm files under a folder. */
function dicomFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f)).sort();
}

describe('de-identified export', () => {
  it('the sources really carry every identifier (so the test can fail)', () => {
    const all = [...sources.values()].map((f) => fs.readFileSync(f).toString('latin1')).join('');
    for (const id of IDENTIFIERS.filter((i) => !i.startsWith('1.2.') && i !== '1951-12-03' && i !== 'JOHN' && i !== 'QUINCY')) expect(all, id).toContain(id);
  });

  it('lumen export --deidentify <study>: no identifier in the bytes, in ASCII, UTF-8 or UTF-16; burned-in image held back', async () => {
    const out = path.join(tmpDir('deid-out'), 'copies');
    const r = await lumen(['export', '--deidentify', STUDY, '--library', libDir, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ written: 4, failed: [] });
    expect(summary.heldBack).toHaveLength(1);
    expect(summary.heldBack[0].reason).toMatch(/BurnedInAnnotation is YES/);
    expect(r.stdout).not.toContain('SMITH');
    const files = dicomFiles(out);
    expect(files).toHaveLength(4);
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      const texts = [bytes.toString('latin1'), bytes.toString('utf8'), bytes.toString('utf16le'), bytes.subarray(1).toString('utf16le')];
      for (const id of IDENTIFIERS) for (const t of texts) expect(t.toUpperCase().includes(id.toUpperCase()), `${id} in ${path.basename(file)}`).toBe(false);
      expect(file).not.toContain(STUDY);
      dcmdump(file);
    }
  }, 120_000);

  it('keeps pixels, adds no dciodvfy error, sets the profile attributes, maps patient, study and dates consistently', async () => {
    const out = tmpDir('deid-direct');
    const result = await exportDeidentified(library, { uid: STUDY, out, includeBurnedIn: true });
    expect(result).toMatchObject({ written: 5, heldBack: [], failed: [] });
    const files = dicomFiles(out);
    const exported = files.map((f) => ({ file: f, ds: natural(f) }));
    const studies = new Set(exported.map((e) => e.ds.StudyInstanceUID));
    expect(studies.size).toBe(1);
    expect(new Set(exported.map((e) => e.ds.SeriesInstanceUID)).size).toBe(3);
    const pseudonym = exported[0].ds.PatientID;
    expect(pseudonym).toMatch(/^p-[0-9a-f]{16}$/);
    let shift: number | null = null;
    const days = (a: string, b: string) => (Date.UTC(+a.slice(0, 4), +a.slice(4, 6) - 1, +a.slice(6, 8)) - Date.UTC(+b.slice(0, 4), +b.slice(4, 6) - 1, +b.slice(6, 8))) / 86_400_000;
    for (const { file, ds } of exported) {
      expect(ds).toMatchObject({ PatientID: pseudonym, PatientIdentityRemoved: 'YES', LongitudinalTemporalInformationModified: 'MODIFIED', PatientBirthDate: '' });
      expect(ds.PatientName.Alphabetic ?? ds.PatientName).toBe(pseudonym);
      expect(ds.DeidentificationMethodCodeSequence.map((c: { CodeValue: string }) => c.CodeValue)).toEqual(['113100', '113107', '113105']);
      expect(Object.keys(ds).filter((k) => /^[0-9A-F]{8}$/i.test(k) && parseInt(k.slice(0, 4), 16) % 2 === 1)).toEqual([]);
      // Dates shift by one per-patient amount: the interval between study and content date stays one day.
      const d = days('20240102', ds.StudyDate);
      shift ??= d;
      expect(d).toBe(shift);
      expect(days(ds.ContentDate, ds.StudyDate)).toBe(1);
      // The reference inside the file follows the remapped UID of the image it names.
      const refUid = ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID;
      expect(exported.some((e) => e.ds.SOPInstanceUID === refUid)).toBe(true);
      // Descriptors kept, cleaned of identifiers.
      expect(ds.StudyDescription).toBe('CT CHEST');
      expect(ds.PerformedProtocolCodeSequence[0].CodeMeaning).toBe('Protocol of');
      // Same pixels as the source it came from (matched by instance and series number).
      const source = [...sources.values()].map((f) => natural(f)).find((s) => s.InstanceNumber === ds.InstanceNumber && s.SeriesNumber === ds.SeriesNumber)!;
      expect(Buffer.from(ds.PixelData[0]).equals(Buffer.from(source.PixelData[0]))).toBe(true);
      const before = new Set(dciodvfy(sources.get(source.SOPInstanceUID)!).errors);
      expect(dciodvfy(file).errors.filter((e) => !before.has(e))).toEqual([]);
    }
    // Lumen imports its own copies and decodes them to the source's stored values.
    const back = Library.open(path.join(tmpDir('deid-reimport'), 'library'));
    try {
      const report = await back.importPaths([out]);
      expect(report).toMatchObject({ imported: 5, errors: [] });
      for (const { file, ds } of exported) {
        const source = [...sources.values()].find((f) => natural(f).InstanceNumber === ds.InstanceNumber && natural(f).SeriesNumber === ds.SeriesNumber)!;
        const [a, b] = await Promise.all([decodeFrame(await parseDicomFile(file), 0), decodeFrame(await parseDicomFile(source), 0)]);
        expect(Buffer.from(a.pixels.buffer, a.pixels.byteOffset, a.pixels.byteLength).equals(Buffer.from(b.pixels.buffer, b.pixels.byteOffset, b.pixels.byteLength))).toBe(true);
      }
      expect(back.listStudies().map((st) => st.patientName)).toEqual([pseudonym]);
    } finally {
      back.close();
    }
    expect(shift).toBeGreaterThanOrEqual(365);
    expect(shift).toBeLessThanOrEqual(3652);
    // Deterministic per library: a second export names everything the same.
    const again = tmpDir('deid-again');
    await exportDeidentified(library, { uid: SERIES_B, out: again });
    const b = dicomFiles(again).map((f) => natural(f));
    expect(b).toHaveLength(2);
    expect(b[0].StudyInstanceUID).toBe([...studies][0]);
    expect(exported.some((e) => e.ds.SOPInstanceUID === b[0].SOPInstanceUID)).toBe(true);
  }, 120_000);
});
