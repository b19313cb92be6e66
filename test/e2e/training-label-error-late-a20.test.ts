// The Training panel's status line speaks of the series shown: a label reading that fails for a
// series the user has already left says nothing there. Before, a late answer was dropped only
// when it succeeded: its error still went to the status line, under another patient's image. In
// Debian's Chromium against the real bridge and engine: the label readings for series a are kept
// back on the page's socket while b is opened and its label shown, then sent on to the engine with
// a target UID it rejects, so the engine's own error comes back, late, about a.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { keepRequests, settle } from '../support/hold-replies';

describe('the Training panel status when a left series label reading fails', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-label-error-late', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 3, slices: 2, size: 48, seed: 74 });
  });

  it("does not put the left series' error on the status line", async () => {
    const { page, errors } = await openApp(session());
    const requests = await keepRequests(page);
    await page.reload();
    const panel = await importAndOpenTraining(page, set.dir, 6);
    const [a, b, c] = set.patients;
    const current = panel.getByText('Current:');
    const status = panel.locator('.run-status');

    await page.locator(`.series-card[data-series="${c.seriesUid}"]`).click();
    await page.getByTestId('corner-patient-id').filter({ hasText: c.patientId }).waitFor();
    await current.filter({ hasText: 'unlabelled' }).waitFor();

    // a's label readings are kept back; b is opened and its label shown meanwhile.
    requests.hold((r) => r.method === 'training.labels.list' && Array.isArray(r.input?.targetUids) && (r.input.targetUids as string[]).includes(a.seriesUid));
    await page.locator(`.series-card[data-series="${a.seriesUid}"]`).click();
    await expect.poll(() => requests.kept.length).toBeGreaterThan(0);
    await page.getByTestId('corner-patient-id').filter({ hasText: a.patientId }).waitFor();
    requests.hold(null);
    await page.locator(`.series-card[data-series="${b.seriesUid}"]`).click();
    await page.getByTestId('corner-patient-id').filter({ hasText: b.patientId }).waitFor();
    await current.filter({ hasText: 'unlabelled' }).waitFor();
    await viewerReady(page);
    expect(await status.count()).toBe(0);

    // a's readings now, failing: the engine rejects the target UID they carry.
    const n = requests.kept.length;
    requests.sendBroken({ targetUids: ['not a UID'] });
    await expect.poll(() => requests.errorsBack.length).toBe(n);
    await settle(page);
    // Where the status line shows (under Start training), beside the series shown.
    await panel.locator('.run-view').evaluate((e: { scrollIntoView(o: { block: 'end' }): void }) => e.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: path.join(resultsDir(), 'training-label-error-late-a20.png') });
    expect(await page.getByTestId('corner-patient-id').textContent()).toBe(b.patientId);
    expect(await current.textContent()).toBe('Current: unlabelled');
    expect(await status.allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
