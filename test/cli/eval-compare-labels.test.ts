// `lumen eval --labels`, `lumen compare --labels` (and `lumen train --labels`) on a hand-made label CSV with the slips a
// sheet has: a class spelt "Abnormal " and "abnormal", a row for an image not in the library and a
// row with no label. Both commands tell the user which rows they did not use and which they read
// as another spelling, in the same words, in text mode (on stderr, before the results) and in
// --json (the `labels` report); a plain run prints nothing else on stderr.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen, type ImportedLibrary } from '../support/cli';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

const SIZE = 32;
const PREPROCESSING = { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
const MISSING_SOP = '1.2.826.0.1.3680043.10.99.4242.1.1';

let lib: ImportedLibrary<PhantomSet>;
let csv: string;
let pkgA: string;
let pkgB: string;
const lumen = (args: string[]) => runLumen(args, path.join(lib.root, 'data'));

beforeAll(async () => {
  lib = await importedLibrary('eval-compare-labels', (dir) => writePhantomSet(dir, { patients: 8, slices: 1, size: SIZE, seed: 23 }));
  const p = lib.set.patients;
  // Line 1 is the header; the slips are on lines 7 ("abnormal"), 10 (not in the library) and 11 (no label).
  const rows = [
    'SeriesInstanceUID,SOPInstanceUID,label',
    `${p[0].seriesUid},,Normal`,
    `${p[1].seriesUid},,Normal`,
    `${p[2].seriesUid},,Normal`,
    `${p[3].seriesUid},,Normal`,
    `${p[4].seriesUid},,Abnormal `,
    `${p[5].seriesUid},,abnormal`,
    `${p[6].seriesUid},,Abnormal`,
    `${p[7].seriesUid},,Abnormal`,
    `,${MISSING_SOP},Normal`,
    `${p[0].seriesUid},,`,
  ];
  csv = path.join(lib.root, 'labels.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  const meta = { classNames: ['Normal', 'Abnormal'], preprocessing: PREPROCESSING };
  pkgA = path.join(lib.root, 'pkg-a');
  pkgB = path.join(lib.root, 'pkg-b');
  await saveRandomHeadPackage(pkgA, { inputSize: SIZE, seed: 4, sd: 2, headSeed: 6 }, { name: 'Tiny A', ...meta });
  await saveRandomHeadPackage(pkgB, { inputSize: SIZE, seed: 4, sd: 2, headSeed: 9 }, { name: 'Tiny B', ...meta });
}, 300_000);

afterAll(() => {
  if (lib) rmSync(lib.root, { recursive: true, force: true });
});

interface LabelsJson {
  rows: number;
  problems: { line: number; reason: string }[];
  notes: { line: number; reason: string }[];
  classes: Record<string, number>;
}

// The reason names the file, as lumen labels import does.
const notUsed = () => ['2 label row(s) not used:', `  line 10: SOPInstanceUID ${MISSING_SOP} is not in the library`, `  line 11: empty label in ${csv}`];

/** The label report's lines in a text run's stderr: its two headed lists. */
function expectLabelReport(stderr: string, spelling: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(5);
  expect(lines.slice(0, 3)).toEqual(notUsed());
  expect(lines[3]).toBe('1 label row(s) read as another spelling:');
  expect(lines[4]).toMatch(spelling);
}

describe('lumen eval and lumen compare report the label rows alike', () => {
  it('--json: both carry the same report (rows not used, rows read as another spelling) and print nothing on stderr', async () => {
    const evaluated = await lumen(['eval', '--model', pkgA, '--library', lib.library, '--labels', csv, '--subset', 'all', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stderr).toBe('');
    const e = JSON.parse(evaluated.stdout) as { labels: LabelsJson; images: number };
    expect(e.labels.rows).toBe(10);
    expect(e.labels.problems.map((x) => x.line)).toEqual([10, 11]);
    expect(e.labels.problems.map((x) => x.reason)).toEqual([`SOPInstanceUID ${MISSING_SOP} is not in the library`, `empty label in ${csv}`]);
    // The first import: "abnormal" is read as the file's own first spelling.
    expect(e.labels.notes).toEqual([{ line: 7, reason: 'label differs from the class Abnormal (line 6) only in upper and lower case: read as Abnormal' }]);
    expect(e.labels.classes).toEqual({ Normal: 4, Abnormal: 4 });
    expect(e.images).toBe(8);

    const compared = await lumen(['compare', '--model', pkgA, '--model', pkgB, '--library', lib.library, '--labels', csv, '--subset', 'all', '--resamples', '100', '--json']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stderr).toBe('');
    const c = JSON.parse(compared.stdout) as { labels: LabelsJson };
    expect(c.labels.problems).toEqual(e.labels.problems);
    // Again: the library now has the class, so "abnormal" is read as the library's spelling.
    expect(c.labels.notes).toEqual([{ line: 7, reason: 'label differs from the class Abnormal in the library only in upper and lower case: read as Abnormal' }]);
  }, 300_000);

  it('text: eval names the rows it did not use and those read as another spelling, in the words compare uses', async () => {
    const spelling = /^ {2}line 7: label differs from the class Abnormal in the library only in upper and lower case: read as Abnormal$/;
    const evaluated = await lumen(['eval', '--model', pkgA, '--library', lib.library, '--labels', csv, '--subset', 'all']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^Tiny A on 8 images of 8 patients \(all\):/);
    expectLabelReport(evaluated.stderr, spelling);

    const compared = await lumen(['compare', '--model', pkgA, '--model', pkgB, '--library', lib.library, '--labels', csv, '--subset', 'all', '--resamples', '100']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/^Compared on 8 images of all 8 labelled patients/);
    expectLabelReport(compared.stderr, spelling);
    expect(evaluated.stderr).toBe(compared.stderr);
  }, 300_000);

  it('text: more than 20 rows of a kind are shown 20 and counted, by both', async () => {
    const many = path.join(lib.root, 'many.csv');
    const missing = Array.from({ length: 23 }, (_, i) => `${MISSING_SOP}.${i + 1},Normal`);
    writeFileSync(many, ['SOPInstanceUID,label', ...missing].join('\n') + '\n');
    const evaluated = await lumen(['eval', '--model', pkgA, '--library', lib.library, '--labels', many, '--subset', 'all']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const lines = evaluated.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('23 label row(s) not used:');
    expect(lines.slice(1, 21)).toEqual(missing.slice(0, 20).map((_, i) => `  line ${i + 2}: SOPInstanceUID ${MISSING_SOP}.${i + 1} is not in the library`));
    expect(lines.slice(21)).toEqual(['  and 3 more rows not used']);
    const compared = await lumen(['compare', '--model', pkgA, '--model', pkgB, '--library', lib.library, '--labels', many, '--subset', 'all', '--resamples', '100']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stderr).toBe(evaluated.stderr);
  }, 300_000);

  it('text: lumen train reports them in the same words, more than 20 counted', async () => {
    const mixed = path.join(lib.root, 'mixed.csv');
    const missing = Array.from({ length: 23 }, (_, i) => `,${MISSING_SOP}.${i + 1},Normal`);
    writeFileSync(mixed, [readFileSync(csv, 'utf8').trimEnd(), ...missing].join('\n') + '\n');
    const evaluated = await lumen(['eval', '--model', pkgA, '--library', lib.library, '--labels', mixed, '--subset', 'all']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stderr).toMatch(/^25 label row\(s\) not used:\n[^]*\n {2}and 5 more rows not used\n1 label row\(s\) read as another spelling:\n {2}line 7: /);
    const trained = await lumen(['train', '--library', lib.library, '--labels', mixed, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '1', '--out', path.join(lib.root, 'trained')]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr.includes(evaluated.stderr), trained.stderr).toBe(true);
  }, 300_000);

  it('without --labels neither prints a label report', async () => {
    const evaluated = await lumen(['eval', '--model', pkgA, '--library', lib.library, '--subset', 'all']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stderr).toBe('');
    const compared = await lumen(['compare', '--model', pkgA, '--model', pkgB, '--library', lib.library, '--subset', 'all', '--resamples', '100']);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stderr).toBe('');
  }, 300_000);
});
