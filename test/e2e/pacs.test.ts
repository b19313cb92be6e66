// The PACS in the app (issue #17, app side), against a real Orthanc (DICOMweb and DIMSE) on
// loopback ports, through the real bridge, engine and Debian's Chromium: a connection
// configured in Settings and tested, a query in the study browser's PACS tab, a study's
// series, a study retrieved and showing up in the library list, and the receiver switch
// getting a study that Orthanc pushes (REST /modalities/<id>/store). Screenshots in test-results/.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomBytes } from '../support/dicom/write';
import { freePort, type GeneratedStudy, generateStudy, type Orthanc, orthancInstalled, startOrthanc } from '../support/orthanc';
import { openApp, resultsDir, useUiSession } from '../support/browser';

let orthanc: Orthanc;
let ct: GeneratedStudy;
let mr: GeneratedStudy;
let receiverPort: number;
/** The SOP Instance UID of the third study's object without an image. */
let c53Sop: string;

beforeAll(async () => {
  if (!orthancInstalled()) throw new Error("These tests need Debian's orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb; .ci/run does it).");
  receiverPort = await freePort();
  orthanc = await startOrthanc({ modalities: { lumen: { aet: 'LUMEN', port: receiverPort } } });
  const a = generateStudy({ key: 51, patientId: 'PID-E2E-A', patientName: 'Appleseed^Ann', accession: 'ACC-E2E-A', studyDate: '20250310', modality: 'CT', seriesCount: 2, perSeries: 3 });
  const b = generateStudy({ key: 52, patientId: 'PID-E2E-B', patientName: 'Bishop^Bo', accession: 'ACC-E2E-B', studyDate: '20230101', modality: 'MR', seriesCount: 1, perSeries: 2 });
  // A third study: one image and one object without pixel data (a presentation state), which
  // the library does not take: a per-instance failure for the retrieve to report.
  const c = generateStudy({ key: 53, patientId: 'PID-E2E-C', patientName: 'Carter^Cy', accession: 'ACC-E2E-C', studyDate: '20240505', modality: 'CT', seriesCount: 1, perSeries: 1 });
  c53Sop = `${c.study.studyUid}.9.1`;
  const noImage = dicomBytes({
    0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.11.1' },
    0x00080018: { vr: 'UI', value: c53Sop },
    0x00080020: { vr: 'DA', value: '20240505' },
    0x00080060: { vr: 'CS', value: 'PR' },
    0x00100010: { vr: 'PN', value: 'Carter^Cy' },
    0x00100020: { vr: 'LO', value: 'PID-E2E-C' },
    0x0020000d: { vr: 'UI', value: c.study.studyUid },
    0x0020000e: { vr: 'UI', value: `${c.study.studyUid}.9` },
    0x00200011: { vr: 'IS', value: 9 },
  });
  for (const file of [...a.files, ...b.files, ...c.files, noImage]) await orthanc.store(file);
  ct = a.study;
  mr = b.study;
}, 120_000);

afterAll(async () => {
  await orthanc?.stop();
});

describe('PACS tab', () => {
  const session = useUiSession('lumen-e2e-pacs');

  it('configures a connection, queries, retrieves a study into the library, and receives a pushed one', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });

    // Nothing configured: the tab says so and nothing is contacted.
    await page.getByRole('tab', { name: 'PACS' }).click();
    await page.getByTestId('pacs-none').waitFor();

    // Settings: a DICOMweb connection with a password, tested; a DIMSE one; the receiver's port.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('button', { name: 'Add a PACS connection…' }).click();
    const form = dialog.getByRole('form', { name: 'New PACS connection' });
    await form.getByLabel('Name', { exact: true }).fill('orthanc-web');
    await form.getByLabel('Base URL').fill(orthanc.dicomWebUrl);
    await form.getByLabel('Authentication').selectOption('basic');
    await form.getByLabel('User', { exact: true }).fill(orthanc.user);
    await form.getByLabel('Password', { exact: true }).fill(orthanc.password);
    await form.getByRole('button', { name: 'Save connection' }).click();
    const web = dialog.getByTestId('pacs-connection').filter({ hasText: 'orthanc-web' });
    await web.filter({ hasText: 'password saved' }).waitFor();
    expect(await dialog.textContent()).not.toContain(orthanc.password);
    await web.getByRole('button', { name: 'Test connection' }).click();
    await web.getByTestId('pacs-test-result').filter({ hasText: /^Connected: DICOMweb answered a test query \(QIDO-RS\) in \d+ ms\.$/ }).waitFor({ timeout: 30_000 });

    // Editing shows the secret as saved, never its value.
    await web.getByRole('button', { name: 'Edit' }).click();
    const edit = dialog.getByRole('form', { name: 'Edit orthanc-web' });
    expect(await edit.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await edit.getByLabel('Password', { exact: true }).getAttribute('placeholder')).toBe('saved (leave empty to keep)');
    await edit.getByRole('button', { name: 'Cancel' }).click();

    await dialog.getByRole('button', { name: 'Add a PACS connection…' }).click();
    await form.getByLabel('DIMSE').check();
    await form.getByLabel('Name', { exact: true }).fill('orthanc-dimse');
    await form.getByLabel('PACS AE title').fill(orthanc.aet);
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(orthanc.dicomPort));
    await form.getByRole('button', { name: 'Save connection' }).click();
    const dimse = dialog.getByTestId('pacs-connection').filter({ hasText: 'orthanc-dimse' });
    await dimse.getByRole('button', { name: 'Test connection' }).click();
    await dimse.getByTestId('pacs-test-result').filter({ hasText: /^Connected: ORTHANC answered a C-ECHO and a test query \(C-FIND\)/ }).waitFor({ timeout: 30_000 });

    const receiverForm = dialog.getByRole('form', { name: 'Receiver (C-STORE)' });
    await receiverForm.getByLabel('Port').fill(String(receiverPort));
    await receiverForm.getByRole('button', { name: 'Save receiver settings' }).click();
    await receiverForm.getByRole('status').filter({ hasText: 'Allowed senders: ORTHANC' }).waitFor();
    await dialog.getByRole('heading', { name: 'PACS connections' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-settings.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Query: both studies; the CT study's two series.
    const tab = page.getByTestId('pacs-tab');
    await tab.getByLabel('PACS', { exact: true }).selectOption('orthanc-web');
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByTestId('pacs-study').nth(2).waitFor({ timeout: 30_000 });
    const studies = tab.getByTestId('pacs-study');
    expect(await studies.count()).toBe(3);
    expect(await studies.nth(0).textContent()).toContain('Appleseed, Ann');
    expect(await studies.nth(1).textContent()).toContain('Carter, Cy');
    expect(await studies.nth(2).textContent()).toContain('Bishop, Bo');
    // Keyboard: the first study's row, Down to the second, Up again, Right opens its series.
    await studies.nth(0).locator('[data-row]').focus();
    await page.keyboard.press('ArrowDown');
    expect(await studies.nth(1).locator('[data-row]:focus').count()).toBe(1);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowRight');
    await studies.nth(0).getByTestId('pacs-series').nth(1).waitFor({ timeout: 30_000 });
    expect(await studies.nth(0).getByTestId('pacs-series').allTextContents()).toEqual([expect.stringContaining('#1'), expect.stringContaining('#2')]);
    // A filter: only the MR study (the form folded to one line after the search: Change search opens it).
    await tab.getByRole('button', { name: 'Change search' }).click();
    await tab.getByLabel('Modality').selectOption('MR');
    await tab.getByRole('button', { name: 'Search' }).click();
    await tab.getByRole('status').filter({ hasText: '1 study on orthanc-web' }).waitFor({ timeout: 30_000 });
    await tab.getByRole('button', { name: 'Change search' }).click();
    await tab.getByLabel('Modality').selectOption('');
    await tab.getByRole('button', { name: 'Search' }).click();
    await studies.nth(2).waitFor({ timeout: 30_000 });
    await studies.nth(0).locator('[data-row]').click();
    await studies.nth(0).getByTestId('pacs-series').nth(1).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-query.png') });

    // Retrieve the CT study: progress, the report, "In library", and the study in the library list.
    await studies.nth(0).getByRole('button', { name: /^Retrieve the study/ }).click();
    await tab.getByTestId('pacs-retrieve-report').filter({ hasText: '6 images retrieved (of 6 files listed)' }).waitFor({ timeout: 60_000 });
    await studies.nth(0).getByTestId('pacs-held').filter({ hasText: 'In library' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-retrieved.png') });
    await page.getByRole('tab', { name: 'Library' }).click();
    const library = page.getByTestId('study-list').getByRole('listitem');
    await library.first().waitFor({ timeout: 30_000 });
    expect(await library.count()).toBe(1);
    expect(await library.first().getAttribute('aria-label')).toMatch(/Appleseed/);

    // The third study: its image arrives, the object without one is listed as failed, with why.
    await page.getByRole('tab', { name: 'PACS' }).click();
    await studies.nth(1).getByRole('button', { name: /^Retrieve the study/ }).click();
    const partial = tab.getByTestId('pacs-retrieve-report').filter({ hasText: '1 image retrieved, 1 file failed (of 2 files listed)' });
    await partial.waitFor({ timeout: 60_000 });
    expect(await partial.getByRole('list', { name: 'Instances that failed' }).textContent()).toContain(`${c53Sop}: the library did not accept it`);
    expect(await partial.textContent()).toMatch(/without an image/);
    await studies.nth(1).getByTestId('pacs-held').filter({ hasText: '1 of 2 in library' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-failed-instance.png') });

    // The receiver: switched on, Orthanc pushes the MR study, it is counted and listed.
    await page.getByRole('tab', { name: 'PACS' }).click();
    const receiver = page.getByTestId('pacs-receiver');
    // The switch follows the engine: it turns on once the receiver listens.
    await receiver.getByRole('switch', { name: 'Receive studies (C-STORE)' }).click();
    await receiver.getByText('On', { exact: true }).waitFor({ timeout: 30_000 });
    await receiver.getByText(`LUMEN on port ${receiverPort}, this computer only`).waitFor();
    const lookup = await orthanc.rest('POST', '/tools/lookup', mr.studyUid);
    const studyId = ((await lookup.json()) as { ID: string }[])[0].ID;
    const pushed = await orthanc.rest('POST', '/modalities/lumen/store', studyId);
    expect(pushed.ok, await pushed.text()).toBe(true);
    await receiver.getByTestId('receiver-counts').filter({ hasText: '2 images received, 0 files failed, 0 associations refused' }).waitFor({ timeout: 30_000 });
    await receiver.getByText('received 2 images from "ORTHANC".').waitFor();
    await studies.nth(2).getByTestId('pacs-held').filter({ hasText: 'In library' }).waitFor({ timeout: 30_000 });
    await receiver.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-receiver.png') });
    await page.getByRole('tab', { name: 'Library' }).click();
    await library.nth(2).waitFor({ timeout: 30_000 });
    expect(await library.count()).toBe(3);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-library.png') });
    await page.getByRole('tab', { name: 'PACS' }).click();
    await receiver.getByRole('switch', { name: 'Receive studies (C-STORE)' }).click();
    await receiver.getByText('Off', { exact: true }).waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    expect(ct.series).toHaveLength(2);
  }, 300_000);
});
