// The PACS tab lists what the PACS chosen answered: a search sent to one connection and answered
// after the user chose another is not listed under the other. Before, the answer was applied when
// it came, so east's studies showed under "west" (and Retrieve would have asked west for them).
// Two QIDO-RS servers on loopback, each with one study of its own, in the app as the user sees it
// (the real bridge, engine and Debian's Chromium); east's answer is held on the socket until west
// is chosen, then let through.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { holdReplies, settle } from '../support/hold-replies';

const servers: http.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A QIDO-RS server whose every study search answers one study of patient `who`. */
async function pacsOf(who: string, n: number): Promise<string> {
  const body = JSON.stringify([
    {
      '0020000D': { vr: 'UI', Value: [`1.2.826.0.1.3680043.10.543.19.${n}`] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: `${who}^Patient` }] },
      '00100020': { vr: 'LO', Value: [`${who.toUpperCase()}-1`] },
      '00080020': { vr: 'DA', Value: ['20250115'] },
      '00080061': { vr: 'CS', Value: ['CT'] },
    },
  ]);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/dicom+json' });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
}

describe('PACS tab: a search answered after another PACS is chosen', () => {
  const session = useUiSession('lumen-pacs-late', async (dataDir) => {
    const connections = [
      { name: 'east', kind: 'dicomweb', url: await pacsOf('East', 1), auth: 'none' },
      { name: 'west', kind: 'dicomweb', url: await pacsOf('West', 2), auth: 'none' },
    ];
    writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections }), { mode: 0o600 });
  });

  it("lists only the chosen PACS's studies", async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'PACS' }).click();
    const pacs = page.getByRole('combobox', { name: 'PACS', exact: true });
    expect(await pacs.inputValue()).toBe('east');

    replies.hold((r) => r.method === 'pacs.query' && r.input?.name === 'east');
    await page.getByRole('button', { name: 'Search' }).click();
    await replies.held();
    replies.hold(null);
    await pacs.selectOption('west');

    // east's answer now, with west chosen.
    replies.release();
    await settle(page);
    const rows = page.getByTestId('pacs-study');
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-query-late-a19-east.png') });
    expect(await rows.allTextContents()).toEqual([]);
    expect(await pacs.inputValue()).toBe('west');

    // A search of west lists west's study, and only it.
    await page.getByRole('button', { name: 'Search' }).click();
    await rows.filter({ hasText: 'West' }).first().waitFor();
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('West')]);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-query-late-a19-west.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
