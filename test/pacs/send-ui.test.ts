// Send to PACS in the app's Results list (issue #17 point 5), through the real bridge, engine
// and Debian's Chromium: Lumen's SR exports of a real library, imported and listed with the
// study, sent to a real Orthanc by C-STORE with one click, found there. Screenshot in test-results/.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PacsStore } from '../../electron/pacs/connections';
import { exportResults } from '../../electron/results/export';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import type { Orthanc } from '../support/orthanc';
import { usePacsFixture } from './support';

const pacs = usePacsFixture('send-ui', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false } } });
let orthanc: Orthanc;
let sent: string[] = [];

beforeAll(() => {
  orthanc = pacs.orthanc;
});

describe('Send to PACS from the Results list', () => {
  const session = useUiSession('lumen-send-ui', async (dataDir) => {
    const lib = await resultsLibrary('e2e-send-ui', path.join(dataDir, 'library'));
    try {
      const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
      const out = path.join(dataDir, 'incoming', 'results');
      const written = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
      sent = written.files.map((f) => f.sopInstanceUid);
      await lib.library.importPaths([out]);
    } finally {
      lib.library.close();
    }
    new PacsStore(dataDir).add({ name: 'orthanc', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' }, null);
  });

  it('sends the study results with one click and says how many were stored', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    const section = page.getByRole('region', { name: 'Results' });
    const control = section.getByTestId('send-to-pacs');
    await control.waitFor({ timeout: 60_000 });
    expect(await control.getByLabel('PACS to send the results to').inputValue()).toBe('orthanc');
    await control.getByRole('button', { name: `Send ${sent.length} results` }).click();
    await control.getByTestId('send-to-pacs-status').filter({ hasText: `${sent.length} of ${sent.length} stored on orthanc (C-STORE).` }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'send-to-pacs.png') });
    for (const uid of sent) {
      const found = (await (await orthanc.rest('POST', '/tools/lookup', uid)).json()) as { Type: string }[];
      expect(found.map((f) => f.Type)).toContain('Instance');
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
