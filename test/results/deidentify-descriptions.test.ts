// De-identified copies keep descriptions with the file's identifiers cut out (T1-2 of s16), and
// say how they were made in full (T1-7). A CT made by dcmtk's dump2dcm in ISO_IR 100 (Latin-1
// bytes) whose descriptions repeat the patient's name in capitals (ß written SS), without
// umlauts and spelled with ue/oe, the ID with its dash left out or split, the birth date
// day-first, month-first and with the month's name, and the study date month-first; an
// operator's name "Van der Berg^Ann" whose particles and short part are ordinary words there.
// `lumen export --deidentify` must cut every one of them and nothing else; dcmdump shows the
// De-identification Method whole (each value within LO's 64 characters) and the method codes
// that apply; dciodvfy finds no error the source did not have.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPersonName, cleanText } from '../../electron/results/deidentify-text';
import { runLumen } from '../support/cli';
import { dciodvfy, dcmdump, natural } from './check';
import { tmpDir } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.1137.1616.93';
const SERIES = `${STUDY}.1`;
const SOP = `${SERIES}.1`;

const SOURCE = {
  StudyDescription: 'CT Knie Größer^Jörg KN-20417 01.01.1960',
  SeriesDescription: 'Axial JÖRG GRÖSSER 1/1/60',
  ImageComments: 'Patient Joerg Groesser, ID KN20417 (KN 204 17), geb. 1. Januar 1960 / 01/01/1960, Aufnahme 01/31/2024, Befund unauffällig',
  ProtocolName: 'Knie der linken Seite, Scanner Ann Berg',
  PerformedProcedureStepDescription: 'Kontrolle Grosser Muller 1960-01-01',
};

/** Every way the identifiers are written in SOURCE, none of which may be left. */
const GONE = ['Größer', 'GRÖSSER', 'Groesser', 'Grosser', 'Jörg', 'JÖRG', 'Joerg', 'KN-20417', 'KN20417', 'KN 204 17', '01.01.1960', '1/1/60', '1. Januar 1960', '01/01/1960', '01/31/2024', '1960-01-01', 'Muller', 'Ann Berg'];

let root: string;
let data: string;
let source: string;

beforeAll(async () => {
  root = tmpDir('deid-descriptions');
  data = path.join(root, 'data');
  const dir = path.join(root, 'dicom');
  fs.mkdirSync(dir, { recursive: true });
  const raw = path.join(root, 'pixels.raw');
  const pixels = Buffer.alloc(16 * 16 * 2);
  for (let i = 0; i < 256; i++) pixels.writeUInt16LE((i * 37) % 4096, i * 2);
  fs.writeFileSync(raw, pixels);
  const lines = [
    '(0002,0002) UI =CTImageStorage',
    `(0002,0003) UI [${SOP}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0005) CS [ISO_IR 100]',
    '(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]',
    '(0008,0016) UI =CTImageStorage',
    `(0008,0018) UI [${SOP}]`,
    '(0008,0020) DA [20240131]',
    '(0008,0022) DA [20240131]',
    '(0008,0030) TM [101500]',
    '(0008,0050) SH [A55]',
    '(0008,0060) CS [CT]',
    '(0008,0070) LO [Lumen test]',
    '(0008,0090) PN [Müller^Anna]',
    `(0008,1030) LO [${SOURCE.StudyDescription}]`,
    `(0008,103e) LO [${SOURCE.SeriesDescription}]`,
    '(0008,1070) PN [Van der Berg^Ann]',
    '(0010,0010) PN [Größer^Jörg]',
    '(0010,0020) LO [KN-20417]',
    '(0010,0030) DA [19600101]',
    '(0010,0040) CS [M]',
    `(0018,1030) LO [${SOURCE.ProtocolName}]`,
    '(0018,0050) DS [1]',
    '(0018,0060) DS [120]',
    '(0020,000d) UI [' + STUDY + ']',
    '(0020,000e) UI [' + SERIES + ']',
    '(0020,0010) SH [S1]',
    '(0020,0011) IS [1]',
    '(0020,0013) IS [1]',
    '(0020,0032) DS [0\\0\\0]',
    '(0020,0037) DS [1\\0\\0\\0\\1\\0]',
    '(0020,0052) UI [' + STUDY + '.0]',
    '(0020,1040) LO []',
    `(0020,4000) LT [${SOURCE.ImageComments}]`,
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 16',
    '(0028,0011) US 16',
    '(0028,0030) DS [0.7\\0.7]',
    '(0028,0100) US 16',
    '(0028,0101) US 12',
    '(0028,0102) US 11',
    '(0028,0103) US 0',
    '(0028,1050) DS [40]',
    '(0028,1051) DS [400]',
    '(0028,1052) DS [-1024]',
    '(0028,1053) DS [1]',
    `(0040,0254) LO [${SOURCE.PerformedProcedureStepDescription}]`,
    `(7fe0,0010) OW =${raw}`,
  ];
  const dump = path.join(root, 'ct.txt');
  // ISO_IR 100: the dump's text as Latin-1 bytes, which dump2dcm copies as they are.
  fs.writeFileSync(dump, `${lines.join('\n')}\n`, 'latin1');
  source = path.join(dir, 'ct.dcm');
  execFileSync('dump2dcm', ['+E', dump, source], { stdio: 'pipe' });
  const imported = await runLumen(['import', dir], data);
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const only = (dir: string) => {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm'));
  expect(files).toHaveLength(1);
  return path.join(dir, files[0]);
};

describe('de-identified descriptions', () => {
  it('the source carries every identifier as written (so the test can fail)', () => {
    const ds = natural(source);
    const text = Object.keys(SOURCE).map((k) => ds[k]).join('\n');
    for (const id of GONE) expect(text, id).toContain(id);
  });

  it('lumen export --deidentify cuts the name in any case and spelling, the ID without its dash, every way of writing the dates, and no ordinary word', async () => {
    const out = path.join(root, 'copies');
    const run = await runLumen(['export', '--deidentify', STUDY, '--out', out], data);
    expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
    const ds = natural(only(out));
    const texts = Object.keys(SOURCE).map((k) => String(ds[k] ?? ''));
    for (const id of GONE) for (const t of texts) expect(t.toLowerCase().includes(id.toLowerCase()), `${id} in "${t}"`).toBe(false);
    expect(ds.StudyDescription).toBe('CT Knie');
    expect(ds.SeriesDescription).toBe('Axial');
    // Particles of a name ("der") and words holding a short name part ("Scanner", "Ann") stay.
    expect(ds.ProtocolName).toBe('Knie der linken Seite, Scanner');
    expect(ds.ImageComments).toBe('Patient, ID, geb., Aufnahme, Befund unauffällig');
    expect(ds.PerformedProcedureStepDescription).toBe('Kontrolle');
  }, 120_000);

  it('writes the De-identification Method whole and the method codes that apply; dciodvfy finds no new error', async () => {
    const out = path.join(root, 'method');
    const run = await runLumen(['export', '--deidentify', SERIES, '--out', out], data);
    expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
    const file = only(out);
    const line = dcmdump(file, ['+L', '+P', '0012,0063']).trim();
    const values = /\[(.*)\]/.exec(line)![1].split('\\');
    expect(values).toEqual(['DICOM PS3.15 Basic Application Level Confidentiality Profile', 'Retain Longitudinal Temporal Information Modified Dates Option', 'Clean Descriptors Option', expect.stringMatching(/^Lumen \d+\.\d+\.\d+/)]);
    for (const v of values) expect(v.length).toBeLessThanOrEqual(64);
    expect(line).toMatch(/# +\d+, 4 DeidentificationMethod/);
    const codes = dcmdump(file, ['+P', '0012,0064', '+P', '0008,0100', '+P', '0008,0102']);
    expect(natural(file).DeidentificationMethodCodeSequence.map((c: { CodeValue: string; CodingSchemeDesignator: string }) => `${c.CodingSchemeDesignator} ${c.CodeValue}`)).toEqual(['DCM 113100', 'DCM 113107', 'DCM 113105']);
    expect(codes).toContain('(0008,0100) SH [113100]');
    const before = new Set(dciodvfy(source).errors);
    const after = dciodvfy(file);
    expect(after.errors.filter((e) => !before.has(e)), after.output).toEqual([]);
    expect(after.output).not.toMatch(/DeidentificationMethod\b.*(?:VR|length|Value)/i);
  }, 120_000);
});

describe('cleanText', () => {
  const names = new Set<string>();
  for (const n of ['Größer^Jörg', 'Müller^Jürgen', 'Van der Berg^Ann', 'Ødegård^Åse']) addPersonName(names, n);
  const ids = { names: [...names], ids: ['KN-20417', 'T1C'], dates: ['19600101', '20240131'] };

  it.each([
    ['01.01.1960', ''], ['1.1.1960', ''], ['01/01/1960', ''], ['01-01-1960', ''], ['1960-01-01', ''], ['1960/01/01', ''], ['19600101', ''],
    ['01011960', ''], ['01.01.60', ''], ['010160', ''], ['01/31/2024', ''], ['1/31/24', ''], ['31.01.2024', ''], ['2024-01-31', ''],
    ['01JAN1960', ''], ['1 Jan 1960', ''], ['1. Januar 1960', ''], ['Jan 1, 1960', ''], ['January 1st 1960', ''], ['31. Jan. 2024', ''],
    // Not one of the file's dates, or not a whole date: kept.
    ['02.01.1960', '02.01.1960'], ['1960', '1960'], ['01/1960', '01/1960'], ['1.2.840.10008.1.1.1960', '1.2.840.10008.1.1.1960'],
  ])('date %s → "%s"', (text, expected) => expect(cleanText(text, ids)).toBe(expected));

  it.each([
    ['GRÖSSER', ''], ['grösser', ''], ['Grosser', ''], ['Groesser', ''], ['Gro\u0308ßer', ''], ['JÖRG', ''], ['Joerg', ''], ['Jorg', ''],
    ['MÜLLERS Knie', 'Knie'], ['Mueller', ''], ['ODEGARD', ''], ['Odegaard', ''], ['Åse', ''], ['Ase', ''],
    ['KN20417', ''], ['KN 204-17', ''], ['kn.20417', ''], ['T1C', ''], ['T1C2', 'T1C2'], ['T1 C', 'T1 C'],
    // Ordinary words: particles, and words holding a name part, are not cut.
    ['Knie der linken Seite', 'Knie der linken Seite'], ['Scanner', 'Scanner'], ['Vanadium', 'Vanadium'], ['Bergamo', 'Bergamo'], ['Ann Berg', ''],
  ])('name or ID %s → "%s"', (text, expected) => expect(cleanText(text, ids)).toBe(expected));
});
