// A hospital user's wrong settings and a PACS in trouble, read as the user reads them: in
// Settings, Test connection on a real Orthanc (DIMSE and DICOMweb) given the wrong port, the
// wrong AE title (the PACS's, and Lumen's own that the PACS does not know), the wrong base URL,
// the wrong password, a silent server (one that takes the connection and never answers), and
// Orthanc stopped; and a search in the PACS tab against the stopped server. Each message says
// what is wrong (naming the connection and where it points) and what to do, and names no
// command-line flag. Through the real bridge, engine and Debian's Chromium.
// Screenshots: test-results/pacs-journey-errors-*.png.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { freePort } from '../support/orthanc';
import { usePacsFixture } from '../pacs/support';

// receiver: Orthanc knows Lumen as LUMEN (and lets it query); STRANGER it does not know.
const pacs = usePacsFixture('e2e-pacs-errors', {
  receiver: true,
  studies: [{ key: 801, patientId: 'PID-ERR-1', patientName: 'Error^Erin', accession: 'ACC-ERR-1', studyDate: '20240404', modality: 'CT', seriesCount: 1, perSeries: 1 }],
});

/** A server on loopback that takes every connection and never says a word. */
let silent: net.Server;
let silentPort: number;
const sockets: net.Socket[] = [];
let closedPort: number;

beforeAll(async () => {
  silent = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as net.AddressInfo).port;
  closedPort = await freePort();
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

describe('PACS connection failures, as the user reads them', () => {
  const session = useUiSession('lumen-e2e-pacs-errors', (dataDir) => {
    const o = pacs.orthanc;
    const dimse = (name: string, over: Record<string, unknown> = {}) => ({ name, kind: 'dimse', calledAet: o.aet, host: '127.0.0.1', port: o.dicomPort, callingAet: 'LUMEN', ...over });
    const web = (name: string, url = o.dicomWebUrl) => ({ name, kind: 'dicomweb', url, auth: 'basic' });
    const connections = [
      dimse('archive'),
      dimse('wrong-port', { port: closedPort }),
      dimse('wrong-aet', { calledAet: 'NOT_ORTHANC' }),
      dimse('unknown-caller', { callingAet: 'STRANGER' }),
      dimse('silent-dimse', { port: silentPort }),
      web('web'),
      web('web-wrong-port', `http://127.0.0.1:${closedPort}/dicom-web`),
      web('web-wrong-path', `${o.url}/dicomweb`),
      web('web-wrong-password'),
      web('silent-web', `http://127.0.0.1:${silentPort}/dicom-web`),
    ];
    const credentials = Object.fromEntries(connections.filter((c) => c.kind === 'dicomweb').map((c) => [c.name, { user: o.user, password: c.name === 'web-wrong-password' ? 'not-the-password' : o.password }]));
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections }), { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'pacs-credentials.json'), JSON.stringify({ version: 1, credentials }), { mode: 0o600 });
  });

  it('says what is wrong and what to do for each', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const connection = (name: string) => dialog.getByTestId('pacs-connection').filter({ has: page.getByText(name, { exact: true }) });
    const result = (name: string) => connection(name).getByTestId('pacs-test-result');
    /** Presses Test connection on each (at once: the silent ones take the whole time-out) and reads the answers. */
    const testAll = async (names: string[]) => {
      for (const name of names) await connection(name).getByRole('button', { name: 'Test connection' }).click();
      const out: Record<string, string> = {};
      for (const name of names) {
        await result(name).filter({ hasNotText: 'Testing…' }).waitFor({ timeout: 90_000 });
        out[name] = (await result(name).textContent())!;
      }
      return out;
    };
    const said = await testAll(['archive', 'wrong-port', 'wrong-aet', 'unknown-caller', 'silent-dimse', 'web', 'web-wrong-port', 'web-wrong-path', 'web-wrong-password', 'silent-web']);
    await connection('silent-dimse').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-errors-settings.png') });
    const o = pacs.orthanc;
    const at = (aet: string, port: number) => `(${aet} at 127.0.0.1:${port})`;
    expect(said.archive).toMatch(/^Connected: ORTHANC answered a C-ECHO and a test query \(C-FIND\) in \d+ ms\.$/);
    expect(said.web).toMatch(/^Connected: DICOMweb answered a test query \(QIDO-RS\) in \d+ ms\.$/);
    expect(said['wrong-port']).toBe(`Cannot reach PACS "wrong-port" ${at('ORTHANC', closedPort)}: connection refused. Check the host and port, and that the server is running.`);
    expect(said['wrong-aet']).toBe(`PACS "wrong-aet" ${at('NOT_ORTHANC', o.dicomPort)} refused the association: it is not called "NOT_ORTHANC"; check the AE title in the connection.`);
    // The test's query, not "list the series of the study", which the user never asked for.
    expect(said['unknown-caller']).toBe(
      `PACS "unknown-caller" ${at('ORTHANC', o.dicomPort)} aborted the association when asked to answer a test query: it may not allow the calling AE title "STRANGER" to do this; ask its administrator to allow it, or change Lumen's AE title of the connection in Settings, PACS.`,
    );
    expect(said['silent-dimse']).toMatch(new RegExp(`^PACS "silent-dimse" \\(ORTHANC at 127\\.0\\.0\\.1:${silentPort}\\) did not answer a test query \\(C-ECHO\\) within \\d+ s: check that the server is up\\.$`));
    expect(said['web-wrong-port']).toBe(`Cannot reach PACS "web-wrong-port" at http://127.0.0.1:${closedPort}/dicom-web to answer a test query (connection refused): check the URL and that the server is running.`);
    // A test query names no UIDs: the advice is the base URL alone (it said "and the UIDs").
    expect(said['web-wrong-path']).toMatch(/^PACS "web-wrong-path" has no such resource \(HTTP 404\) when asked to answer a test query: check the DICOMweb base URL \(http:\/\/127\.0\.0\.1:\d+\/dicomweb\); Orthanc's, for example, is http:\/\/<host>:8042\/dicom-web\.$/);
    expect(said['web-wrong-password']).toBe(
      `PACS "web-wrong-password" refused the credentials (HTTP 401) when asked to answer a test query: check the user name and password (or token) and correct them in the connection's User and Password fields in Settings, PACS.`,
    );
    expect(said['silent-web']).toMatch(/^PACS "silent-web" did not answer a test query within \d+ s: check that the server is up\.$/);
    for (const text of Object.values(said)) expect(text).not.toMatch(/--|lumen pacs/);
    // A failure reads as failed (red), a success does not.
    expect(await result('wrong-port').getAttribute('class')).toMatch(/\bbad\b/);
    expect(await result('archive').getAttribute('class')).not.toMatch(/\bbad\b/);

    // Orthanc stopped: the connections that worked say so.
    await pacs.orthanc.halt();
    const stopped = await testAll(['archive', 'web']);
    expect(stopped).toEqual({
      archive: `Cannot reach PACS "archive" ${at('ORTHANC', o.dicomPort)}: connection refused. Check the host and port, and that the server is running.`,
      web: `Cannot reach PACS "web" at ${o.dicomWebUrl} to answer a test query (connection refused): check the URL and that the server is running.`,
    });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // A search against the stopped server, in the PACS tab.
    await page.getByRole('tab', { name: 'PACS' }).click();
    const tab = page.getByTestId('pacs-tab');
    const searched: Record<string, string> = {};
    for (const name of ['archive', 'web']) {
      await tab.getByLabel('PACS', { exact: true }).selectOption(name);
      await tab.getByRole('button', { name: 'Search' }).click();
      const alert = tab.getByRole('alert');
      await alert.waitFor({ timeout: 60_000 });
      searched[name] = (await alert.textContent())!;
      await page.screenshot({ path: path.join(resultsDir(), `pacs-journey-errors-search-${name}.png`) });
    }
    expect(searched).toEqual({
      archive: `Cannot reach PACS "archive" ${at('ORTHANC', o.dicomPort)}: connection refused. Check the host and port, and that the server is running.`,
      web: `Cannot reach PACS "web" at ${o.dicomWebUrl} to query studies (connection refused): check the URL and that the server is running.`,
    });
    await pacs.orthanc.restart();
    expect(errors).toEqual([]);
  }, 300_000);
});
