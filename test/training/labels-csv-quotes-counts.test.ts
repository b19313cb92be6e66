// Label CSVs with a quote never closed, and with rows repeated (T2-7, T2-8, s16), imported with
// `lumen labels import` into a real library: the row of the quote is named by its line with the
// lines it swallowed and nothing of it is used (rows before it are); a repeated row labels, and
// counts, its series once.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../electron/training/labels';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let n = 0;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));
/** A library of its own for a test, imported from the same DICOM: each starts with no labels. */
async function freshLibrary(): Promise<string> {
  const lib = path.join(root, `lib-${++n}`);
  const r = await lumen(['import', path.join(root, 'dicom'), '--library', lib, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return lib;
}
function csv(name: string, lines: string[], eol = '\n'): string {
  const file = path.join(root, name);
  writeFileSync(file, lines.join(eol) + eol);
  return file;
}
async function seriesLabels(lib: string): Promise<string[]> {
  const out = path.join(root, `export-${++n}.csv`);
  const r = await lumen(['labels', 'export', '--library', lib, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return parseCsv(readFileSync(out, 'utf8')).slice(1).map((row) => `${row[1]} ${row[4]}`).sort();
}

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('labels-csv-quotes', (dir) => writePhantomSet(dir, { patients: 6, slices: 2, size: 32, seed: 31 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a quote never closed', () => {
  it('in the middle: named on its line with the lines read into it; rows before it are used, nothing of it', async () => {
    const [a, b, c, d, e] = set.patients;
    const lib = await freshLibrary();
    const file = csv('open-middle.csv', ['SeriesInstanceUID,label', `${a.seriesUid},disc`, `${b.seriesUid},"ring`, `${c.seriesUid},ring`, `${d.seriesUid},disc`, `${e.seriesUid},ring`]);
    const r = await lumen(['labels', 'import', file, '--library', lib, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.problems).toEqual([{ line: 3, reason: 'a quote opens here and is never closed (lines 4–6 read into it, so they are not used either): nothing of this row is used; close the quote (or remove it) and import the file again' }]);
    expect(report.labelled.series).toBe(1);
    expect(report.classes).toEqual({ disc: 1 });
    expect(report.rows).toBe(2);
    expect(await seriesLabels(lib)).toEqual([`${a.seriesUid} disc`]);
    // The text output names it the same way, with the line.
    const text = await lumen(['labels', 'import', file, '--library', lib]);
    expect(text.stdout).toContain('  line 3: a quote opens here and is never closed (lines 4–6 read into it');
  });

  it('on the last line (CRLF, a blank line after): named, not accepted', async () => {
    const [a, b] = set.patients;
    const lib = await freshLibrary();
    const file = csv('open-last.csv', ['SeriesInstanceUID,label', `${a.seriesUid},disc`, `${b.seriesUid},"ring`, ''], '\r\n');
    const r = await lumen(['labels', 'import', file, '--library', lib, '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.problems).toEqual([{ line: 3, reason: 'a quote opens here and is never closed: nothing of this row is used; close the quote (or remove it) and import the file again' }]);
    expect(await seriesLabels(lib)).toEqual([`${a.seriesUid} disc`]);
  });

  it('short rows swallowed by a PatientID quote are not read as one control-character label', async () => {
    const [a, b, c] = set.patients;
    const lib = await freshLibrary();
    const file = csv('open-patient.csv', ['PatientID,label', `"${a.patientId},disc`, `${b.patientId},ring`, `${c.patientId},ring`]);
    const report = JSON.parse((await lumen(['labels', 'import', file, '--library', lib, '--json'])).stdout);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].reason).toMatch(/^a quote opens here and is never closed \(lines 3–4 read into it/);
    expect(report.problems[0].reason).not.toContain('control character');
    expect(await seriesLabels(lib)).toEqual([]);
  });

  it('in the header: the file is refused in words, naming the line', async () => {
    const file = csv('open-header.csv', ['SeriesInstanceUID,"label', `${set.patients[0].seriesUid},disc`]);
    const r = await lumen(['labels', 'import', file, '--library', library]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('a quote in its header (line 1) is never closed');
  });

  it('a closed quote across lines still reads as one field', () => {
    expect(parseCsv('a,b\n1,"x\ny"\n2,z\n')).toEqual([['a', 'b'], ['1', 'x\ny'], ['2', 'z']]);
    expect(() => parseCsv('a,b\n1,"x\n2,z\n')).toThrow('line 2: a quote opens here and is never closed (line 3 read into it');
  });
});

describe('rows repeated', () => {
  it('count their series once, in the totals and per class (CLI and --json)', async () => {
    const [a, b, c, d] = set.patients;
    const lib = await freshLibrary();
    // a twice (once in other case), b three times, and a series of each class once.
    const file = csv('repeated.csv', ['SeriesInstanceUID,label', `${a.seriesUid},Disc`, `${b.seriesUid},ring`, `${a.seriesUid},disc`, `${c.seriesUid},ring`, `${b.seriesUid},ring`, `${d.seriesUid},Disc`, `${b.seriesUid},ring`]);
    const report = JSON.parse((await lumen(['labels', 'import', file, '--library', lib, '--json'])).stdout);
    expect(report.rows).toBe(7);
    expect(report.labelled).toEqual({ series: 4, image: 0, study: 0 });
    expect(report.classes).toEqual({ Disc: 2, ring: 2 });
    expect(report.problems).toEqual([]);
    expect(report.notes.map((x: { line: number }) => x.line)).toEqual([4]);
    const text = await lumen(['labels', 'import', file, '--library', lib]);
    expect(text.stdout.split('\n')[0]).toBe('7 rows: labelled 4 series, 0 images, 0 studies');
    const overview = JSON.parse((await lumen(['labels', 'overview', '--library', lib, '--json'])).stdout);
    expect(overview.classes.map((k: { className: string; series: number }) => `${k.className} ${k.series}`)).toEqual(['Disc 2', 'ring 2']);
  });

  it('a PatientID row and its study both given: the study once', async () => {
    const [a] = set.patients;
    const lib = await freshLibrary();
    const file = csv('patient-and-study.csv', ['PatientID,StudyInstanceUID,label', `${a.patientId},,lesion`, `,${a.studyUid},lesion`]);
    const report = JSON.parse((await lumen(['labels', 'import', file, '--library', lib, '--json'])).stdout);
    expect(report.labelled).toEqual({ series: 0, image: 0, study: 1 });
    expect(report.classes).toEqual({ lesion: 1 });
  });

  it('one image given two classes by two rows: neither row is used, as for a series', async () => {
    const [a] = set.patients;
    const lib = await freshLibrary();
    const file = csv('image-twice.csv', ['SOPInstanceUID,label', `${a.sops[0]},disc`, `${a.sops[0]},ring`, `${a.sops[1]},disc`]);
    const report = JSON.parse((await lumen(['labels', 'import', file, '--library', lib, '--json'])).stdout);
    expect(report.problems.map((p: { line: number }) => p.line)).toEqual([2, 3]);
    expect(report.labelled.image).toBe(1);
  });
});
