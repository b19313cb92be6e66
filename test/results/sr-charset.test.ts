// Text inside an SR's content tree in its Specific Character Set: dcmjs decodes the data set's
// own elements in it, but every sequence item in windows-1252, so a UTF-8 (ISO_IR 192) report's
// "Läsion" came back as "LÃ¤sion", its "Wahrscheinlichkeit für Krebs" as "fÃ¼r" and a € as
// "â‚¬". The reader decodes the items' text again in the document's character set. A report
// made by dcmtk's dump2dcm, read back by dsrdump, imported through the library's importer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { dsrdump } from './check';
import { tmpDir } from './fixtures';
import { codeItem, codeLines, concept, FINDING, group, NO_UNITS, num, text, writeOtherAiSr } from './other-sr';

const STUDY = '1.2.826.0.1.3680043.10.83.1';

describe('an SR in UTF-8 (ISO_IR 192)', () => {
  it('keeps the letters of the text in its content items', async () => {
    const dir = tmpDir('sr-charset');
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    const file = writeOtherAiSr(path.join(incoming, 'utf8.dcm'), { studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.77`, sopInstanceUid: `${STUDY}.77.1`, patientName: 'Müller^Jürgen', patientId: 'CS1' }, [
      group([
        text('CONTAINS', concept('111001', 'DCM', 'Algorithm Name'), 'Modèle € Ω 肺'),
        codeItem('CONTAINS', FINDING, codeLines('52988006', 'SCT', 'Läsion')),
        num(concept('111047', 'DCM', 'Wahrscheinlichkeit für Krebs'), '0.6', NO_UNITS),
      ]),
      group([num(concept('OA-0009', '99OTHERAI', 'Größe'), '12', codeLines('mm', 'UCUM', 'Millimeter'))]),
    ]);
    // dcmtk reads the letters as written.
    const dump = dsrdump(file);
    expect(dump).toContain('"Wahrscheinlichkeit für Krebs"');
    expect(dump).toContain('"Modèle € Ω 肺"');
    const lib = Library.open(path.join(dir, 'library'));
    try {
      const report = await lib.importPaths([incoming]);
      // The dump2dcm text next to it is not DICOM; the report is read.
      expect(report.errors.filter((e) => !e.file.endsWith('.dump'))).toEqual([]);
      const [doc] = lib.studyResults(STUDY);
      expect(doc.title).toBe('Imaging Measurement Report');
      expect(doc.findings.map((f) => [f.finding, f.algorithmName, f.probability])).toEqual([
        ['Läsion: Wahrscheinlichkeit für Krebs', 'Modèle € Ω 肺', true],
        ['Größe', null, false],
      ]);
    } finally {
      lib.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('an SR in ISO 2022 (Japanese: \\ISO 2022 IR 87)', () => {
  it('is read, its text in that character set, not refused as damaged', async () => {
    const dir = tmpDir('sr-charset-jis');
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    const file = writeOtherAiSr(
      path.join(incoming, 'jis.dcm'),
      { studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.78`, sopInstanceUid: `${STUDY}.78.1`, patientName: 'Yamada^Tarou=山田^太郎', patientId: 'CS2' },
      [group([codeItem('CONTAINS', FINDING, codeLines('27925004', 'SCT', '結節')), num(concept('111047', 'DCM', '癌の確率'), '0.35', NO_UNITS)])],
      { specific: '\\ISO 2022 IR 87', iconv: 'ISO-2022-JP' },
    );
    // dcmtk reads it without an error (its iconv cannot convert ISO 2022 IR 87: the bytes as written, escapes and all).
    const jis = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'ISO-2022-JP'], { input: '結節' }).toString('latin1');
    expect([jis.startsWith('\x1b$B'), jis.endsWith('\x1b(B')]).toEqual([true, true]);
    expect(dsrdump(file)).toContain(`(27925004,SCT,"${jis}")`);
    const lib = Library.open(path.join(dir, 'library'));
    try {
      const report = await lib.importPaths([incoming]);
      expect(report.errors.filter((e) => !e.file.endsWith('.dump'))).toEqual([]);
      const [doc] = lib.studyResults(STUDY);
      expect(doc.title).toBe('Imaging Measurement Report');
      expect(doc.findings.map((f) => [f.finding, f.score, f.probability])).toEqual([['結節: 癌の確率', 0.35, true]]);
    } finally {
      lib.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
