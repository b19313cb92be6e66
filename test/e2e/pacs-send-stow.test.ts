// Send to PACS by STOW-RS, the whole way a user goes in the browser, against a real Orthanc with
// its DICOMweb plugin: a length drawn on an image, Export results… writing DICOM SR, the SR
// imported, and the study's Results list sending it to a DICOMweb connection. First the sends a
// server refuses (a wrong password: HTTP 401; Orthanc stopped): each says why in the app's words,
// once (not again for each document it never reached), and stores nothing, and the results stay listed; then, Orthanc back, the same button stores
// every document, found in Orthanc by its REST API. Through the real bridge, engine and Debian's
// Chromium. Screenshots: test-results/pacs-send-stow-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { usePacsFixture } from '../pacs/support';

const pacs = usePacsFixture('e2e-pacs-stow');

describe('Send to PACS by STOW-RS from the browser', () => {
  const session = useUiSession('lumen-e2e-pacs-stow', async (dataDir) => {
    const lib = await resultsLibrary('e2e-pacs-stow', path.join(dataDir, 'library'));
    lib.library.close();
    const o = pacs.orthanc;
    const connections = [
      { name: 'web', kind: 'dicomweb', url: o.dicomWebUrl, auth: 'basic' },
      { name: 'web-wrong-password', kind: 'dicomweb', url: o.dicomWebUrl, auth: 'basic' },
    ];
    const credentials = { web: { user: o.user, password: o.password }, 'web-wrong-password': { user: o.user, password: 'not-the-password' } };
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections }), { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'pacs-credentials.json'), JSON.stringify({ version: 1, credentials }), { mode: 0o600 });
  });

  it('measures, exports SR, and sends it; a refused send says why and loses nothing', async () => {
    const { dataDir } = session();
    const o = pacs.orthanc;
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });

    // A length on the image, as a user draws it.
    const b = (await page.getByTestId('viewport').boundingBox())!;
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await viewerReady(page);
    await page.mouse.move(b.x + b.width / 2 - 60, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.getByRole('button', { name: /^Length 1: [\d.]+ (mm|px)$/ }).waitFor({ timeout: 30_000 });

    // Export results… as DICOM SR, then the SR imported into the library.
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    // The model's predictions go into an SR of their own once the dialog has the model.
    await dialog.getByLabel('Model', { exact: true }).locator('option', { hasText: 'Chest triage (5 images)' }).waitFor({ state: 'attached', timeout: 30_000 });
    const srDir = path.join(dataDir, 'exports', 'sr');
    await dialog.getByLabel('Export to').fill(srDir);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    // The fixture's measurement on image 2 and the one drawn here.
    await dialog.getByTestId('export-done').filter({ hasText: '2 measurements' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const sent = fs
      .readdirSync(srDir)
      .map((f) => /-(2\.25\.\d+)\.dcm$/.exec(f)?.[1])
      .filter((uid): uid is string => !!uid);
    expect(sent.length).toBe(2);
    await page.getByLabel('Import a folder or file').fill(srDir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();

    const section = page.getByRole('region', { name: 'Results' });
    const control = section.getByTestId('send-to-pacs');
    await control.waitFor({ timeout: 60_000 });
    const send = control.getByRole('button', { name: `Send ${sent.length} results` });
    const inOrthanc = async () => {
      const found: string[] = [];
      for (const uid of sent) {
        const hits = (await (await o.rest('POST', '/tools/lookup', uid)).json()) as { Type: string }[];
        if (hits.some((h) => h.Type === 'Instance')) found.push(uid);
      }
      return found;
    };
    /** Sends to `name` and returns what the control then says (its alert, or its status line). */
    const sendTo = async (name: string) => {
      await control.getByLabel('PACS to send the results to').selectOption(name);
      await send.click();
      const said = control.locator('[role="alert"], [data-testid="send-to-pacs-status"]');
      await said.first().waitFor({ timeout: 60_000 });
      await send.waitFor();
      return (await said.first().textContent())!;
    };

    // A wrong password: Orthanc answers 401. The status line says so in the app's words.
    const refused = await sendTo('web-wrong-password');
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-stow-401.png') });
    // The reason is said once: the documents the stopped send never reached do not repeat it.
    expect(refused).toBe(
      `0 of 2 stored on web-wrong-password (STOW-RS). Stopped: PACS "web-wrong-password" refused the credentials (HTTP 401) when asked to store instances (STOW-RS): check the user name and password (or token) and correct them in the connection's User and Password fields in Settings, PACS.`,
    );
    expect(await control.getByTestId('send-to-pacs-status').getAttribute('class')).toMatch(/\berror\b/);
    expect(await inOrthanc()).toEqual([]);

    // Orthanc stopped.
    await o.halt();
    const stopped = await sendTo('web');
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-stow-stopped.png') });
    expect(stopped).toBe(`0 of 2 stored on web (STOW-RS). Stopped: cannot reach PACS "web" at ${o.dicomWebUrl} to store instances (STOW-RS) (connection refused): check the URL and that the server is running.`);
    expect(await control.getByTestId('send-to-pacs-status').locator('div').count(), 'no line per document').toBe(0);
    await o.restart();
    expect(await inOrthanc()).toEqual([]);

    // Nothing lost: still listed, and sent whole once the server is back.
    const stored = await sendTo('web');
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-stow-stored.png') });
    expect(stored).toBe(`${sent.length} of ${sent.length} stored on web (STOW-RS).`);
    expect((await inOrthanc()).sort()).toEqual([...sent].sort());
    expect(errors).toEqual([]);
  }, 300_000);
});
