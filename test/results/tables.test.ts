// Plain exports (issue #16 point 7): `lumen export --csv|--json predictions|labels|measurements`
// on a real library, read back as CSV by a strict parser and as JSON.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../electron/results/tables';
import { HOSTILE_LABEL, lumen, MODEL_HASH, PATIENT_A, PATIENT_B, QUOTED_LABEL, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

/** RFC 4180 parser: quoted cells with doubled quotes, CRLF rows; throws on anything else. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quote');
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else cell += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n') throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
        cell += text[i++];
      }
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    }
    else if (i < text.length) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  if (row.length) throw new Error('last row has no CRLF');
  return rows;
}

const records = (rows: string[][]) => rows.slice(1).map((r) => Object.fromEntries(rows[0].map((c, i) => [c, r[i]])));

let lib: ResultsLibrary;
let out: string;
beforeAll(async () => {
  lib = await resultsLibrary('tables');
  out = tmpDir('tables-out');
}, 120_000);
afterAll(() => lib?.library.close());

describe('CSV cells', () => {
  it('prefixes formula starters, quotes commas, quotes and line breaks, keeps numbers', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx"]);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(null)).toBe('');
    expect(parseCsv(toCsv({ columns: ['a', 'b'], rows: [{ a: '=x', b: 'p,"q"\r\nr' }] }))).toEqual([['a', 'b'], ["'=x", 'p,"q"\r\nr']]);
  });
});

describe('lumen export --csv / --json', () => {
  it('predictions: one row per image and class, each with the UIDs and the package hash', async () => {
    const file = path.join(out, 'predictions.csv');
    const r = await lumen(['export', '--csv', 'predictions', '--library', lib.dir, '--out', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = records(parseCsv(fs.readFileSync(file, 'utf8')));
    expect(rows).toHaveLength(lib.images.length * 2);
    for (const row of rows) {
      expect(row.packageHash).toBe(MODEL_HASH);
      expect(row.studyInstanceUid).toBe(PATIENT_A.studyUid);
      expect(row.seriesInstanceUid).toBe(PATIENT_A.seriesUid);
      expect(lib.images).toContain(row.sopInstanceUid);
    }
    const last = rows.filter((r) => r.sopInstanceUid === lib.images[4]);
    expect(last.map((r) => [r.className, Number(r.score), r.predicted])).toEqual([['normal', 0.6, 'true'], ['nodule', 0.4, 'false']]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('labels: formula-like labels are defused, quoted ones survive, UIDs resolved per target', async () => {
    const file = path.join(out, 'labels.csv');
    expect((await lumen(['export', '--csv', 'labels', '--library', lib.dir, '--out', file])).code).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    const rows = records(parseCsv(text));
    expect(rows.map((r) => [r.targetKind, r.label])).toEqual([['image', `'${HOSTILE_LABEL}`], ['series', QUOTED_LABEL], ['study', 'normal']]);
    expect(rows[0]).toMatchObject({ studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: lib.images[0] });
    expect(rows[2]).toMatchObject({ studyInstanceUid: PATIENT_B.studyUid, seriesInstanceUid: '', sopInstanceUid: '' });
    expect(text).not.toMatch(/(^|,)=/m);

    const series = path.join(out, 'labels-series.json');
    expect((await lumen(['export', '--json', 'labels', '--series', PATIENT_A.seriesUid, '--library', lib.dir, '--out', series])).code).toBe(0);
    const json = JSON.parse(fs.readFileSync(series, 'utf8'));
    expect(json.kind).toBe('labels');
    expect(json.rows.map((r: { label: string }) => r.label)).toEqual([HOSTILE_LABEL, QUOTED_LABEL]);
  });

  it('measurements: length in mm from Pixel Spacing, with the image UIDs', async () => {
    const file = path.join(out, 'measurements.json');
    const r = await lumen(['export', '--json', 'measurements', '--library', lib.dir, '--out', file, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'measurements', format: 'json', rows: 1 });
    const [m] = JSON.parse(fs.readFileSync(file, 'utf8')).rows;
    expect(m).toMatchObject({ kind: 'length', unit: 'mm', studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: lib.images[1], frame: 1 });
    expect(m.value).toBeCloseTo(0.7 * 5, 6);
  });

  it('refuses an existing file, an unknown table and a series the library lacks, in words', async () => {
    const file = path.join(out, 'exists.csv');
    fs.writeFileSync(file, 'keep');
    const exists = await lumen(['export', '--csv', 'labels', '--library', lib.dir, '--out', file]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/already exists \(pass --overwrite/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
    const kind = await lumen(['export', '--csv', 'patients', '--library', lib.dir, '--out', path.join(out, 'x.csv')]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/--csv must be one of predictions, labels, measurements/);
    const series = await lumen(['export', '--csv', 'labels', '--series', '1.2.3.999', '--library', lib.dir, '--out', path.join(out, 'y.csv')]);
    expect(series.code).toBe(1);
    expect(series.stderr).toMatch(/The library has no series 1\.2\.3\.999/);
  });
});
