// Which imported scores are probabilities (s14 F1): only those whose concept is one (Lumen's own
// prediction groups, "<class> probability"; another document's NUM whose concept names a
// probability), not every NUM in UCUM "1". A report made by dcmtk's dump2dcm (other-sr.ts) and
// Lumen's own exports of a real library, imported through the library's importer and listed as
// the app lists them (results.study: Library.studyResults).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportResults } from '../../electron/results/export';
import { dsrdump } from './check';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary, tmpDir } from './fixtures';
import { writeOtherAiSr } from './other-sr';

describe('scores of imported results', () => {
  it('are probabilities only where their concept is one; counts, ratios and probes are plain numbers', async () => {
    const lib = await resultsLibrary('score-kinds');
    try {
      const out = path.join(tmpDir('score-kinds-in'), 'results');
      const images = lib.library.listInstances(PATIENT_A.seriesUid);
      lib.library.saveMeasurement({ id: 'm-probe-1', seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: images[2].sopInstanceUid, frame: 0, kind: 'probe', points: [[3.5, 4.5]], createdAt: '2026-01-01T00:00:02Z' });
      const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
      await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
      const other = writeOtherAiSr(path.join(out, 'other-ai.dcm'), { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: `${PATIENT_A.studyUid}.77`, sopInstanceUid: `${PATIENT_A.studyUid}.77.1`, patientName: PATIENT_A.patientName, patientId: PATIENT_A.patientId });
      expect(dsrdump(other)).toContain('Number of nodules');
      expect(fs.existsSync(other)).toBe(true);
      await lib.library.importPaths([out]);

      const findings = lib.library.studyResults(PATIENT_A.studyUid).flatMap((d) => d.findings);
      const of = (name: string) => findings.filter((f) => f.finding === name).map((f) => ({ score: f.score, unit: f.unit, probability: f.probability }));
      // Lumen's own predictions: "<class> probability" NUMs, named after the Finding.
      expect(of('normal')).toHaveLength(5);
      for (const f of of('normal')) expect(f).toMatchObject({ unit: '1', probability: true });
      // Lumen's own probe (a CT: HU) and length: measured values.
      expect(of('Attenuation Coefficient')).toEqual([{ score: expect.any(Number), unit: "[hnsf'U]", probability: false }]);
      expect(of('Length')).toEqual([{ score: expect.any(Number), unit: 'mm', probability: false }]);
      // Another AI's: a count and a ratio in "1" are plain numbers; its probability is one.
      expect(of('Number of nodules')).toEqual([{ score: 3, unit: '1', probability: false }]);
      expect(of('Cardiothoracic ratio')).toEqual([{ score: 0.52, unit: '1', probability: false }]);
      expect(of('Nodule: Probability of cancer')).toEqual([{ score: 0.85, unit: '1', probability: true }]);
    } finally {
      lib.library.close();
    }
  }, 180_000);
});
