// The PACS tab's "In library" mark follows the library's latest count. Before, each answer to
// library.holdings was applied when it came: one asked before an import, answering after the
// import's own, put the old count back and took the mark away from a study the library now holds
// whole. A QIDO-RS server on loopback lists one study, which the user then imports from a folder,
// in the app as the user sees it (the real bridge, engine and Debian's Chromium); the count asked
// when the list came is held on the socket until the import's count is shown, then let through.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { holdReplies, settle } from '../support/hold-replies';

let server: http.Server | undefined;
afterAll(() => {
  server?.close();
});

/** A QIDO-RS server whose every study search answers the one study of `p`, of `instances` images. */
async function pacsWith(p: PhantomSet['patients'][number], instances: number): Promise<string> {
  const body = JSON.stringify([
    {
      '0020000D': { vr: 'UI', Value: [p.studyUid] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: p.patientName }] },
      '00100020': { vr: 'LO', Value: [p.patientId] },
      '00080020': { vr: 'DA', Value: ['20260101'] },
      '00080061': { vr: 'CS', Value: ['CT'] },
      '00201206': { vr: 'IS', Value: [1] },
      '00201208': { vr: 'IS', Value: [instances] },
    },
  ]);
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/dicom+json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
}

describe('PACS tab: "In library" when a count answers late', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-holdings-late', async (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 1, slices: 2, size: 32, seed: 81 });
    const url = await pacsWith(set.patients[0], 2);
    writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [{ name: 'archive', kind: 'dicomweb', url, auth: 'none' }] }), { mode: 0o600 });
  });

  it('keeps the mark of a study imported while an older count was on its way', async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'PACS' }).click();
    const row = page.getByTestId('pacs-study');

    // The count asked when the list comes (none in the library yet) is held.
    replies.hold((r) => r.method === 'library.holdings');
    await page.getByRole('button', { name: 'Search' }).click();
    await row.filter({ hasText: set.patients[0].patientId }).waitFor();
    await replies.held();
    replies.hold(null);
    expect(await row.textContent()).not.toContain('in library');

    // The study imported from its folder: the PACS tab counts it again.
    await page.getByRole('tab', { name: 'Library' }).click();
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'PACS' }).click();
    await row.filter({ hasText: 'In library' }).waitFor();

    // The count from before the import, now.
    replies.release();
    await settle(page);
    await row.screenshot({ path: path.join(resultsDir(), 'pacs-holdings-late-a19.png') });
    expect(await row.textContent()).toContain('In library');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
