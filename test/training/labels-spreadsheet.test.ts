// The researcher's labels as spreadsheets write them (issue: the researcher's journey, point 1),
// on a folder of DICOM written by dcmtk's dump2dcm (test/library/fixtures.ts): patients whose
// IDs start with zeros, one with two studies, and a broken file. Each way a sheet can be odd
// either works or is named by its line and column; nothing is half-imported.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeSpreadsheetText } from '../../common/csv';
import { readLabelsCsvFile } from '../../electron/training/labels';
import { writeSlice } from '../library/fixtures';
import { runLumen } from '../support/cli';
import { phantomDataDir, trainingRequests } from './support';

const ROOT = '1.2.826.0.1.3680043.10.1137.77';

interface Patient {
  id: string;
  name: string;
  studies: { studyUid: string; seriesUid: string }[];
}

/** Four patients (one with two studies), two slices a series, and a truncated file among them. */
function writeScannerFolder(dir: string): { dir: string; patients: Patient[] } {
  const patients: Patient[] = [
    { id: '007', name: 'ALDER^ANN', studies: [1, 2].map((s) => ({ studyUid: `${ROOT}.1.${s}`, seriesUid: `${ROOT}.1.${s}.1` })) },
    { id: '0042', name: 'BIRCH^BEN', studies: [{ studyUid: `${ROOT}.2.1`, seriesUid: `${ROOT}.2.1.1` }] },
    { id: 'P3', name: 'CEDAR^CY', studies: [{ studyUid: `${ROOT}.3.1`, seriesUid: `${ROOT}.3.1.1` }] },
    { id: 'P4', name: 'DOGWOOD^DI', studies: [{ studyUid: `${ROOT}.4.1`, seriesUid: `${ROOT}.4.1.1` }] },
  ];
  mkdirSync(dir, { recursive: true });
  for (const p of patients) {
    p.studies.forEach((s, k) => {
      for (let i = 1; i <= 2; i++) {
        writeSlice(path.join(dir, `${p.id}-${k}-${i}.dcm`), { patientName: p.name, patientId: p.id, studyUid: s.studyUid, seriesUid: s.seriesUid, sopUid: `${s.seriesUid}.${i}`, instanceNumber: i, z: i * 5, studyDate: `2024010${k + 1}` });
      }
    });
  }
  // What a scanner's export can leave: a file cut short.
  writeFileSync(path.join(dir, 'broken.dcm'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([0x02, 0x00, 0x10])]));
  return { dir, patients };
}

let dataDir: string;
let patients: Patient[];
const training = trainingRequests();
const { call } = training;

const labels = async () => ((await call('training.labels.list', {})) as { targetKind: string; targetUid: string; label: string }[]).map((l) => `${l.targetKind} ${l.targetUid} ${l.label}`).sort();

beforeAll(async () => {
  let set: { dir: string; patients: Patient[] };
  ({ dataDir, set } = await phantomDataDir('labels-sheet', writeScannerFolder));
  patients = set.patients;
  training.open(dataDir);
}, 60_000);

afterAll(async () => {
  await training.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  const all = (await call('training.labels.list', {})) as { targetKind: 'image' | 'series' | 'study'; targetUid: string }[];
  if (all.length) await call('training.labels.clear', { targets: all.map((l) => ({ kind: l.targetKind, uid: l.targetUid })) });
});

describe("labels from a researcher's spreadsheet", () => {
  it("reads Excel's European CSV: BOM, semicolons, a comma in a header, a line break in a cell, trailing empty columns, CRLF", async () => {
    const [alder, birch] = patients;
    // Excel (de-DE, "CSV UTF-8"): the header's own comma is quoted, the empty columns right of the table are kept.
    const text = `\uFEFF${[
      'PatientID;SeriesInstanceUID;label;"Notes, free text";;',
      `${alder.id};;lesion;"seen twice,`,
      `second reader agrees";;`,
      `${birch.id};;normal;;;`,
    ].join('\r\n')}\r\n`;
    const report = await call('training.labels.importCsvText', { text });
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(2);
    // Patient 007 has two studies: both are labelled, leading zeros and all.
    expect(report.labelled).toEqual({ image: 0, series: 0, study: 3 });
    expect(await labels()).toEqual([`study ${alder.studies[0].studyUid} lesion`, `study ${alder.studies[1].studyUid} lesion`, `study ${birch.studies[0].studyUid} normal`].sort());
  });

  it("reads Excel's separator line (sep=;) and counts it in the line numbers", async () => {
    const [, birch] = patients;
    const text = `sep=;\r\nPatientID;label;"Notes, free text"\r\n${birch.id};normal;"a, b"\r\nNOBODY;normal;\r\n`;
    const report = await call('training.labels.importCsvText', { text });
    expect(report.rows).toBe(2);
    expect(report.labelled).toEqual({ image: 0, series: 0, study: 1 });
    expect(report.problems).toEqual([{ line: 4, reason: 'its PatientID is not in the library' }]);
  });

  it('reads a class written with stray spaces or in other case as one class, and says so by line', async () => {
    const [, birch, cedar, dogwood] = patients;
    const text = [
      'PatientID,SeriesInstanceUID,label',
      `,${birch.studies[0].seriesUid},Lesion`,
      `,${cedar.studies[0].seriesUid}, LESION `,
      // The same series twice, in two spellings of one class: no disagreement.
      `,${cedar.studies[0].seriesUid},lesion`,
      `,${dogwood.studies[0].seriesUid},Normal  `,
    ].join('\r\n');
    const report = await call('training.labels.importCsvText', { text });
    expect(report.problems).toEqual([]);
    // Counted by series labelled, not by row: cedar's two rows label one series (T2-8, s16).
    expect(report.classes).toEqual({ Lesion: 2, Normal: 1 });
    expect(report.notes).toEqual([
      { line: 3, reason: 'label differs from the class Lesion (line 2) only in upper and lower case: read as Lesion' },
      { line: 4, reason: 'label differs from the class Lesion (line 2) only in upper and lower case: read as Lesion' },
    ]);
    expect(await labels()).toEqual([`series ${birch.studies[0].seriesUid} Lesion`, `series ${cedar.studies[0].seriesUid} Lesion`, `series ${dogwood.studies[0].seriesUid} Normal`].sort());

    // A class the library has already keeps its spelling: a later sheet in capitals joins it.
    const again = await call('training.labels.importCsvText', { text: `SeriesInstanceUID;label\r\n${dogwood.studies[0].seriesUid};NORMAL\r\n` });
    expect(again.problems).toEqual([]);
    expect(again.classes).toEqual({ Normal: 1 });
    expect(again.notes).toEqual([{ line: 2, reason: 'label differs from the class Normal in the library only in upper and lower case: read as Normal' }]);
  });

  it('names each row it cannot use by line and column and imports the rest: dropped leading zeros, an unknown series, rows that disagree', async () => {
    const [alder, birch, cedar, dogwood] = patients;
    const text = `\uFEFF${[
      'PatientID;SeriesInstanceUID;label',
      // Excel read 007 as a number.
      '7;;lesion',
      `;${ROOT}.99.1.1;normal`,
      `;${cedar.studies[0].seriesUid};normal`,
      `;${cedar.studies[0].seriesUid};lesion`,
      `${dogwood.id};;normal`,
      `${birch.id};;normal`,
      // A twelve-digit PatientID in a General-format cell, as Excel writes it back.
      '1,23457E+11;;normal',
    ].join('\r\n')}\r\n`;
    const report = await call('training.labels.importCsvText', { text });
    expect(report.problems).toEqual([
      { line: 2, reason: 'its PatientID is not in the library; one there differs from it only in leading zeros, which a spreadsheet drops from numbers: format the PatientID column as text' },
      { line: 3, reason: `SeriesInstanceUID ${ROOT}.99.1.1 is not in the library` },
      { line: 4, reason: 'line 5 gives these images another class: neither row is used; keep the one that is right' },
      { line: 5, reason: 'line 4 gives these images another class: neither row is used; keep the one that is right' },
      { line: 8, reason: 'its PatientID is not in the library; it reads as a number in scientific notation, which a spreadsheet writes for long numbers: format the PatientID column as text' },
    ]);
    expect(report.labelled).toEqual({ image: 0, series: 0, study: 2 });
    expect(await labels()).toEqual([`study ${birch.studies[0].studyUid} normal`, `study ${dogwood.studies[0].studyUid} normal`].sort());
    // No patient's ID reaches the report.
    expect(JSON.stringify(report)).not.toMatch(new RegExp(`${alder.id}|${birch.id}|P4|ALDER|BIRCH`));
  });

  it("names the rows a sheet saved in a Windows code page garbles, and reads Excel's Unicode Text (UTF-16)", async () => {
    const [alder, birch, cedar] = patients;
    // Excel (de-DE) "CSV (Trennzeichen-getrennt)" writes Windows-1252: ä and ü are not UTF-8.
    const cp1252 = Buffer.from(`PatientID;label;Notiz\r\n${birch.id};L\xe4sion;\r\n${cedar.id};normal;gr\xfcn\r\n`, 'latin1');
    const file = path.join(dataDir, 'cp1252.csv');
    writeFileSync(file, cp1252);
    // The app reads a chosen file the same way as the engine reads a path.
    expect(decodeSpreadsheetText(new Uint8Array(cp1252))).toBe(readLabelsCsvFile(file));
    const report = await call('training.labels.importCsvText', { text: readLabelsCsvFile(file) });
    // The garbled label is named; the garbled note beside a good label does not matter.
    expect(report.problems).toEqual([{ line: 2, reason: 'label has characters that could not be read: the file is not UTF-8 text. Save the sheet as "CSV UTF-8" and import it again' }]);
    expect(report.classes).toEqual({ normal: 1 });
    expect(await labels()).toEqual([`study ${cedar.studies[0].studyUid} normal`]);

    // Excel's "Unicode Text": UTF-16 with a byte order mark, tab-separated.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`PatientID\tlabel\r\n${alder.id}\tL\u00e4sion\r\n`, 'utf16le')]);
    const file16 = path.join(dataDir, 'unicode.txt');
    writeFileSync(file16, utf16);
    expect(decodeSpreadsheetText(new Uint8Array(utf16))).toBe(readLabelsCsvFile(file16));
    const unicode = await call('training.labels.importCsvText', { text: readLabelsCsvFile(file16) });
    expect(unicode.problems).toEqual([]);
    // Counted by what is labelled: alder's PatientID row labels the patient's two studies (T2-8, s16).
    expect(unicode.classes).toEqual({ 'L\u00e4sion': 2 });
    expect(unicode.labelled).toEqual({ image: 0, series: 0, study: 2 });
  });

  it('lumen labels import prints the rows read as another spelling and those not used, by line', async () => {
    const [, birch, cedar] = patients;
    const file = path.join(dataDir, 'terminal.csv');
    writeFileSync(file, `PatientID,label\r\n${birch.id},Lesion\r\n${cedar.id},LESION\r\n7,lesion\r\n`);
    const r = await runLumen(['labels', 'import', file, '--library', path.join(dataDir, 'library')], dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      '3 rows: labelled 0 series, 0 images, 2 studies',
      '  line 4: its PatientID is not in the library; one there differs from it only in leading zeros, which a spreadsheet drops from numbers: format the PatientID column as text',
      '  line 3: label differs from the class Lesion (line 2) only in upper and lower case: read as Lesion',
      '',
    ].join('\n'));
  }, 60_000);
});
