// Send to PACS with progress, Cancel and a long connection name, the way a user sees it in the
// browser (real bridge, engine and Debian's Chromium) against a real Orthanc that takes half a
// second over each instance (a Lua filter): at 1280 px the "Send to" select shows a 64-character
// connection name as far as it fits and whole as its tooltip, the Send button names it whole;
// sending shows "Sending k of n results to <name>…" with a bar; Cancel stops after the document in
// flight and the status line says how many were stored and how many not sent, which is what
// Orthanc holds; all by keyboard, focus going from Send to Cancel and back. At 1440 px the rest is sent. Screenshots: test-results/pacs-send-progress-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PacsStore } from '../../electron/pacs/connections';
import { exportResults } from '../../electron/results/export';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import type { Orthanc } from '../support/orthanc';
import { usePacsFixture } from '../pacs/support';

/** 64 characters, the most a connection name may have, and no space to break at. */
const LONG = 'radiology-archive.main-building_level-2.dicom-gateway-primary-01';
const pacs = usePacsFixture('e2e-send-progress', {
  orthanc: (scratch) => {
    const lua = path.join(scratch, 'slow.lua');
    fs.writeFileSync(lua, "function ReceivedInstanceFilter(dicom, origin, info)\n  os.execute('sleep 0.5')\n  return true\nend\n");
    return { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false, LuaScripts: [lua] } };
  },
});
let orthanc: Orthanc;
const sent: string[] = [];

beforeAll(() => {
  orthanc = pacs.orthanc;
});

/** How many instances Orthanc holds. */
async function held(): Promise<number> {
  return ((await (await orthanc.rest('GET', '/instances')).json()) as string[]).length;
}

describe('Send to PACS: progress, Cancel and a long connection name', () => {
  const session = useUiSession('lumen-e2e-send-progress', async (dataDir) => {
    const lib = await resultsLibrary('e2e-send-progress', path.join(dataDir, 'library'));
    try {
      const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
      // Three exports of the series' results: enough documents for a send to be cancelled midway.
      const folders: string[] = [];
      for (let i = 0; i < 3; i++) {
        const out = path.join(dataDir, 'incoming', `results-${i}`);
        const written = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
        sent.push(...written.files.map((f) => f.sopInstanceUid));
        folders.push(out);
      }
      await lib.library.importPaths(folders);
    } finally {
      lib.library.close();
    }
    expect(LONG.length).toBe(64);
    const store = new PacsStore(dataDir);
    store.add({ name: 'orthanc', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' }, null);
    store.add({ name: LONG, kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' }, null);
  });

  it('shows the long name whole, "Sending k of n" with a bar, and Cancel stops with what was stored said', async () => {
    const n = sent.length;
    expect(n).toBeGreaterThanOrEqual(3);
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    const control = page.getByRole('region', { name: 'Results' }).getByTestId('send-to-pacs');
    await control.waitFor({ timeout: 60_000 });
    const select = control.getByLabel('PACS to send the results to');
    await select.selectOption(LONG);
    // The option and the tooltip say the name whole; so does the button, wrapped inside the panel.
    expect(await select.locator('option:checked').textContent()).toBe(LONG);
    expect(await select.getAttribute('title')).toBe(LONG);
    const send = control.getByRole('button', { name: `Send ${n} results to ${LONG}`, exact: true });
    await send.waitFor();
    type Box = { left: number; right: number };
    type Shown = { scrollWidth: number; clientWidth: number; getBoundingClientRect(): Box; closest(selector: string): Shown | null };
    /** True when the element's text fits it and it lies inside the Send to control, else what does not fit. */
    const fits = async (locator: typeof send) =>
      locator.evaluate((node) => {
        const el = node as unknown as Shown;
        const panel = el.closest('[data-testid="send-to-pacs"]')!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        const inside = el.scrollWidth <= el.clientWidth && box.left >= panel.left - 0.5 && box.right <= panel.right + 0.5;
        return inside || `${el.scrollWidth}/${el.clientWidth} ${box.left}-${box.right} in ${panel.left}-${panel.right}`;
      });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-progress-long-name-1280.png') });
    expect(await fits(send), 'the Send button stays inside the panel').toBe(true);
    expect(await fits(select), 'the select stays inside the panel').toBe(true);

    /** The accessible name of what has focus (aria-label, else its text). */
    const focused = () =>
      page.evaluate(() => {
        const el = (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null; textContent: string | null } | null } }).document.activeElement;
        return el?.getAttribute('aria-label') ?? el?.textContent ?? null;
      });
    // By keyboard: Enter on Send; focus goes to Cancel while it sends.
    await send.focus();
    await page.keyboard.press('Enter');
    const progress = control.getByRole('status', { name: 'Sending' });
    await progress.getByText(`Sending 1 of ${n} results to ${LONG}…`, { exact: true }).waitFor({ timeout: 60_000 });
    // The bar is filled as far as the count (it may have moved on since).
    expect(Number(await progress.getByRole('progressbar', { name: 'Sending' }).getAttribute('value'))).toBeGreaterThanOrEqual(1 / n);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-progress-sending-1280.png') });
    expect(await focused()).toBe('Cancel sending');
    await page.keyboard.press('Enter');
    const status = control.getByTestId('send-to-pacs-status');
    await status.waitFor({ timeout: 60_000 });
    // Cancel is gone: focus is back on Send.
    expect(await focused()).toBe(`Send ${n} results to ${LONG}`);
    const said = (await status.textContent())!;
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-progress-cancelled-1280.png') });
    const match = new RegExp(`^(\\d+) of ${n} stored on ${LONG.replace(/\./g, '\\.')} \\(C-STORE\\)\\. Cancelled: (\\d+) not sent; send again to send them\\.$`).exec(said);
    expect(match, said).not.toBeNull();
    const stored = Number(match![1]);
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored + Number(match![2])).toBe(n);
    expect(stored).toBeLessThan(n);
    // What the app says was stored is what Orthanc holds.
    expect(await held()).toBe(stored);
    expect(await status.getAttribute('class')).not.toMatch(/\berror\b/);

    // At 1440 px, the rest: the whole send again.
    await page.setViewportSize({ width: 1440, height: 900 });
    await send.click();
    await status.filter({ hasText: `${n} of ${n} stored on ${LONG} (C-STORE).` }).waitFor({ timeout: 120_000 });
    expect(await fits(send)).toBe(true);
    expect(await fits(select)).toBe(true);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-send-progress-long-name-1440.png') });
    expect(await held()).toBe(n);
    expect(errors).toEqual([]);
  }, 300_000);
});
