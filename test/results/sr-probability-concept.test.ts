// An SR from other software whose probability concept is coded, not named: DCM 111047
// ("Probability of cancer") under a meaning of the vendor's own ("Malignancy risk", another
// language), in UCUM "1", "{probability}", "{ratio}" or "%". The reader keeps the score's
// concept code (schema 31) and reads it as a probability where the code (or, as before, the
// name) says so and the value lies in its unit's range: 0 to 1, or 0 to 100 in "%". A row
// filed before schema 31 has no code and reads as it did. Reports made by dcmtk's dump2dcm and
// read back by its dsrdump; imported through the library's importer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { dsrdump } from './check';
import { tmpDir } from './fixtures';
import { codeItem, codeLines, concept, FINDING, group, NO_UNITS, num, writeOtherAiSr } from './other-sr';

const STUDY = '1.2.826.0.1.3680043.10.82.1';
const PERCENT = codeLines('%', 'UCUM', 'percent');
const PROBABILITY_UNIT = codeLines('{probability}', 'UCUM', 'probability');
const RATIO = codeLines('{ratio}', 'UCUM', 'ratio');
const CANCER = (meaning: string) => concept('111047', 'DCM', meaning);
const finding = (value: string, meaning: string) => codeItem('CONTAINS', FINDING, codeLines(value, 'SCT', meaning));

/** Measurement groups as another vendor writes them. */
const GROUPS = [
  // Coded DCM 111047 under the vendor's own meaning: a probability, in each of its units.
  group([finding('27925004', 'Nodule'), num(CANCER('Malignancy risk'), '0.73', NO_UNITS)]),
  group([finding('4147007', 'Mass'), num(CANCER('Krebsrisiko'), '64', PERCENT)]),
  group([num(CANCER('Cancer risk score'), '0.4', PROBABILITY_UNIT)]),
  group([finding('52988006', 'Lesion'), num(CANCER('Risk'), '0.25', RATIO)]),
  // Coded so, but outside its unit's range: what it is is unclear, so a plain number.
  group([finding('129748009', 'Calcification'), num(CANCER('Malignancy grade'), '7', NO_UNITS)]),
  group([finding('125149006', 'Opacity'), num(CANCER('Risk index'), '150', PERCENT)]),
  // Named a probability (as before), now in "%" too.
  group([num(concept('OA-0005', '99OTHERAI', 'Nodule probability'), '20', PERCENT)]),
  // Neither coded nor named one: plain numbers, whatever their range.
  group([num(concept('OA-0003', '99OTHERAI', 'Agatston score'), '0.5', NO_UNITS)]),
  group([num(concept('OA-0004', '99OTHERAI', 'Emphysema extent'), '12', PERCENT)]),
];

describe('an SR whose probability concept is coded, not named', () => {
  it('is read as a probability by its code and unit, and only in its unit\'s range', async () => {
    const dir = tmpDir('sr-probability-concept');
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    const file = writeOtherAiSr(path.join(incoming, 'other.dcm'), { studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.77`, sopInstanceUid: `${STUDY}.77.1`, patientName: 'Other^Vendor', patientId: 'OV1' }, GROUPS);
    // The file is what it claims to be, as dcmtk reads it (no errors; with its concept codes).
    expect(dsrdump(file)).toContain('Malignancy risk');
    const dump = execFileSync('dsrdump', ['+Pc', file], { encoding: 'utf8' });
    expect(dump).toContain('NUM:(111047,DCM,"Malignancy risk")="0.73" (1,UCUM,"no units")');
    expect(dump).toContain('NUM:(111047,DCM,"Krebsrisiko")="64" (%,UCUM,"percent")');
    expect(dump).toContain('NUM:(111047,DCM,"Cancer risk score")="0.4" ({probability},UCUM,"probability")');
    expect(dump).toContain('NUM:(111047,DCM,"Risk")="0.25" ({ratio},UCUM,"ratio")');
    const lib = Library.open(path.join(dir, 'library'));
    try {
      await lib.importPaths([incoming]);
      const findings = lib.studyResults(STUDY).flatMap((d) => d.findings);
      const of = (name: string) => findings.filter((f) => f.finding === name).map((f) => ({ score: f.score, unit: f.unit, probability: f.probability }));
      expect(of('Nodule: Malignancy risk')).toEqual([{ score: 0.73, unit: '1', probability: true }]);
      expect(of('Mass: Krebsrisiko')).toEqual([{ score: 64, unit: '%', probability: true }]);
      expect(of('Cancer risk score')).toEqual([{ score: 0.4, unit: '{probability}', probability: true }]);
      expect(of('Lesion: Risk')).toEqual([{ score: 0.25, unit: '{ratio}', probability: true }]);
      expect(of('Calcification: Malignancy grade')).toEqual([{ score: 7, unit: '1', probability: false }]);
      expect(of('Opacity: Risk index')).toEqual([{ score: 150, unit: '%', probability: false }]);
      expect(of('Nodule probability')).toEqual([{ score: 20, unit: '%', probability: true }]);
      expect(of('Agatston score')).toEqual([{ score: 0.5, unit: '1', probability: false }]);
      expect(of('Emphysema extent')).toEqual([{ score: 12, unit: '%', probability: false }]);
      expect(findings).toHaveLength(GROUPS.length);
      // What the SR says is kept: the score's concept code.
      const db = new Database(path.join(dir, 'library', LIBRARY_FILE), { readonly: true });
      try {
        const concepts = db.prepare<[], { finding: string; score_concept: string | null }>('SELECT finding, score_concept FROM result_findings ORDER BY ordinal').all();
        expect(concepts.find((c) => c.finding === 'Nodule: Malignancy risk')?.score_concept).toBe('DCM:111047');
        expect(concepts.find((c) => c.finding === 'Agatston score')?.score_concept).toBe('99OTHERAI:OA-0003');
      } finally {
        db.close();
      }
    } finally {
      lib.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads a row filed before schema 31 as it did, and the next import of its file reads the code', async () => {
    const dir = tmpDir('sr-probability-concept-old');
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    const file = writeOtherAiSr(path.join(incoming, 'other.dcm'), { studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.77`, sopInstanceUid: `${STUDY}.77.1`, patientName: 'Other^Vendor', patientId: 'OV1' }, GROUPS.slice(0, 2));
    const libDir = path.join(dir, 'library');
    fs.mkdirSync(libDir, { recursive: true });
    const stat = fs.statSync(file);
    // The library as schema 30 filed the report: no concept code, the file's size and time kept.
    const db = new Database(path.join(libDir, LIBRARY_FILE));
    migrate(db, 30);
    db.prepare('INSERT INTO result_documents (sop_uid, sop_class_uid, kind, study_uid, series_uid, path, title, content_date, imported_at, file_size, mtime_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      `${STUDY}.77.1`, '1.2.840.10008.5.1.4.1.1.88.33', 'sr', STUDY, `${STUDY}.77`, file, 'Imaging Measurement Report', '2026-01-02T10:15:00', '2026-01-03T00:00:00Z', stat.size, stat.mtimeMs,
    );
    const row = db.prepare('INSERT INTO result_findings (document_uid, ordinal, finding, code_value, coding_scheme, score, unit, algorithm_name, algorithm_version, algorithm_hash, referenced_sop_uids) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?)');
    row.run(`${STUDY}.77.1`, 0, 'Nodule: Malignancy risk', '27925004', 'SCT', 0.73, '1', '[]');
    row.run(`${STUDY}.77.1`, 1, 'Mass: Krebsrisiko', '4147007', 'SCT', 64, '%', '[]');
    row.run(`${STUDY}.77.1`, 2, 'Nodule: Probability of cancer', '27925004', 'SCT', 0.85, '1', '[]');
    db.close();

    const lib = Library.open(libDir);
    try {
      const read = () => lib.studyResults(STUDY).flatMap((d) => d.findings).map((f) => [f.finding, f.probability]);
      // As before: named a probability, in "1"; the coded ones it could not know of are plain numbers.
      expect(read()).toEqual([
        ['Nodule: Malignancy risk', false],
        ['Mass: Krebsrisiko', false],
        ['Nodule: Probability of cancer', true],
      ]);
      // The file, unchanged, is read again by the next import of its folder.
      await lib.importPaths([incoming]);
      expect(read()).toEqual([
        ['Nodule: Malignancy risk', true],
        ['Mass: Krebsrisiko', true],
      ]);
    } finally {
      lib.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
