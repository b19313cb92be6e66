// A host name nobody knows (no-such-host.invalid: RFC 2606 keeps .invalid from ever resolving),
// typed into Settings, PACS as a user types it, for a DIMSE and a DICOMweb connection: Test
// connection, and a search in the PACS tab, say which host could not be found and what to
// check, never a raw ENOTFOUND or getaddrinfo. Through the real bridge, engine and Debian's
// Chromium. Screenshots: test-results/pacs-unknown-host-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const HOST = 'no-such-host.invalid';

describe('a PACS host name that cannot be found', () => {
  const session = useUiSession('lumen-e2e-pacs-unknown-host');

  it('names the host and says it could not be found, for DIMSE and DICOMweb', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });

    // Added through the form, as a user adds them.
    await dialog.getByRole('button', { name: 'Add a PACS connection…' }).click();
    let form = dialog.getByRole('form', { name: 'New PACS connection' });
    await form.getByLabel('DIMSE').check();
    await form.getByLabel('Name').fill('nowhere-dimse');
    await form.getByLabel('PACS AE title').fill('ORTHANC');
    await form.getByLabel('Host').fill(HOST);
    await form.getByLabel('Port', { exact: true }).fill('4242');
    await form.getByLabel("Lumen's AE title").fill('LUMEN');
    await form.getByRole('button', { name: 'Save connection' }).click();
    await form.waitFor({ state: 'hidden', timeout: 30_000 });

    await dialog.getByRole('button', { name: 'Add a PACS connection…' }).click();
    form = dialog.getByRole('form', { name: 'New PACS connection' });
    await form.getByLabel('DICOMweb').check();
    await form.getByLabel('Name').fill('nowhere-web');
    await form.getByLabel('Base URL').fill(`http://${HOST}/dicom-web`);
    await form.getByLabel('Authentication').selectOption('none');
    await form.getByRole('button', { name: 'Save connection' }).click();
    await form.waitFor({ state: 'hidden', timeout: 30_000 });

    const connection = (name: string) => dialog.getByTestId('pacs-connection').filter({ has: page.getByText(name, { exact: true }) });
    const said: Record<string, string> = {};
    for (const name of ['nowhere-dimse', 'nowhere-web']) {
      await connection(name).getByRole('button', { name: 'Test connection' }).click();
      const result = connection(name).getByTestId('pacs-test-result').filter({ hasNotText: 'Testing…' });
      await result.waitFor({ timeout: 90_000 });
      said[name] = (await result.textContent())!;
      expect(await result.getAttribute('class')).toMatch(/\bbad\b/);
    }
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-unknown-host-settings.png') });
    expect(said).toEqual({
      'nowhere-dimse': `Cannot reach PACS "nowhere-dimse" (ORTHANC at ${HOST}:4242): the host "${HOST}" could not be found. Check the host name.`,
      'nowhere-web': `Cannot reach PACS "nowhere-web" at http://${HOST}/dicom-web to answer a test query: the host "${HOST}" could not be found. Check the host name in the base URL.`,
    });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // A search in the PACS tab says the same.
    await page.getByRole('tab', { name: 'PACS' }).click();
    const tab = page.getByTestId('pacs-tab');
    const searched: Record<string, string> = {};
    for (const name of ['nowhere-dimse', 'nowhere-web']) {
      await tab.getByLabel('PACS', { exact: true }).selectOption(name);
      await tab.getByRole('button', { name: 'Search' }).click();
      const alert = tab.getByRole('alert');
      await alert.waitFor({ timeout: 60_000 });
      searched[name] = (await alert.textContent())!;
      await page.screenshot({ path: path.join(resultsDir(), `pacs-unknown-host-search-${name}.png`) });
    }
    expect(searched).toEqual({
      'nowhere-dimse': `Cannot reach PACS "nowhere-dimse" (ORTHANC at ${HOST}:4242): the host "${HOST}" could not be found. Check the host name.`,
      'nowhere-web': `Cannot reach PACS "nowhere-web" at http://${HOST}/dicom-web to query studies: the host "${HOST}" could not be found. Check the host name in the base URL.`,
    });
    for (const text of [...Object.values(said), ...Object.values(searched)]) expect(text).not.toMatch(/ENOTFOUND|EAI_AGAIN|getaddrinfo|--/);
    expect(errors).toEqual([]);
  }, 240_000);
});
