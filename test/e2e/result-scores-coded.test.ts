// The Results section's Score column for another vendor's report (dcmtk's dump2dcm, UTF-8) whose
// probability concept is coded DCM 111047 under words of its own: a percentage from a fraction
// in "1" or "{probability}", and from 0 to 100 in "%" as it is; out of range, a plain number; its
// words as written ("Läsion", "für"), in the app at 1280x800 (real bridge and engine, Chromium).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PATIENT_A, resultsLibrary } from '../results/fixtures';
import { codeItem, codeLines, concept, FINDING, group, NO_UNITS, num, writeOtherAiSr } from '../results/other-sr';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const PERCENT = codeLines('%', 'UCUM', 'percent');
const finding = (value: string, meaning: string) => codeItem('CONTAINS', FINDING, codeLines(value, 'SCT', meaning));

describe('a coded probability in the Results section', () => {
  const session = useUiSession('lumen-result-scores-coded', async (dataDir) => {
    const lib = await resultsLibrary('e2e-result-scores-coded', path.join(dataDir, 'library'));
    lib.library.close();
    mkdirSync(path.join(dataDir, 'incoming', 'vendor'), { recursive: true });
    writeOtherAiSr(path.join(dataDir, 'incoming', 'vendor', 'vendor.dcm'), { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: `${PATIENT_A.studyUid}.79`, sopInstanceUid: `${PATIENT_A.studyUid}.79.1`, patientName: PATIENT_A.patientName, patientId: PATIENT_A.patientId }, [
      group([finding('52988006', 'Läsion'), num(concept('111047', 'DCM', 'Wahrscheinlichkeit für Krebs'), '0.73', NO_UNITS)]),
      group([finding('4147007', 'Mass'), num(concept('111047', 'DCM', 'Malignancy risk'), '64', PERCENT)]),
      group([num(concept('111047', 'DCM', 'Cancer risk score'), '0.4', codeLines('{probability}', 'UCUM', 'probability'))]),
      group([finding('129748009', 'Calcification'), num(concept('111047', 'DCM', 'Malignancy grade'), '7', NO_UNITS)]),
      group([num(concept('OA-0004', '99OTHERAI', 'Emphysema extent'), '12', PERCENT)]),
    ]);
  });

  it('shows it as a percentage by its code and unit, in words as written', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'vendor'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 result document imported' }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    const rows = section.getByTestId('result-finding');
    await rows.filter({ hasText: 'Emphysema extent' }).waitFor({ timeout: 30_000 });
    type El = { textContent: string | null; querySelectorAll(s: string): ArrayLike<El> };
    const cells = await rows.evaluateAll((trs) => (trs as unknown as El[]).map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const score = (name: string) => cells.filter((c) => c[0] === name).map((c) => c[1]);
    expect(score('Läsion: Wahrscheinlichkeit für Krebs')).toEqual(['73.0%']);
    expect(score('Mass: Malignancy risk')).toEqual(['64.0%']);
    expect(score('Cancer risk score')).toEqual(['40.0%']);
    expect(score('Calcification: Malignancy grade')).toEqual(['7']);
    expect(score('Emphysema extent')).toEqual(['12\u00a0%']);
    await rows.filter({ hasText: 'Läsion' }).scrollIntoViewIfNeeded();
    await section.screenshot({ path: path.join(resultsDir(), 'result-scores-coded.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
