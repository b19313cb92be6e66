// A series clicked and then another: the second is shown, whatever order the answers come in.
// Before, each click set the viewer to whichever answer came back, so a slow first series (a large
// one, a busy engine) arrived last and replaced the one the user clicked after it: the viewer and
// the Training panel's label keys then showed and labelled the first patient's series. In Debian's
// Chromium against the real bridge and engine, the first series' answer is held back on the socket
// until the second is shown, then let through.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { holdReplies, settle } from '../support/hold-replies';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('opening one series and then another', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-open-late', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 2, slices: 2, size: 48, seed: 71 });
  });

  it('shows the series clicked last when the first one answers after it', async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    const [a, b] = set.patients;
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '4 images imported' }).waitFor({ timeout: 60_000 });

    // a's series is read and its answer held; b is clicked before it comes.
    replies.hold((r) => r.method === 'library.series' && r.input?.seriesInstanceUid === a.seriesUid);
    await page.locator(`.series-card[data-series="${a.seriesUid}"]`).click();
    await replies.held();
    replies.hold(null);
    await page.locator(`.series-card[data-series="${b.seriesUid}"]`).click();
    await page.getByTestId('corner-patient-id').filter({ hasText: b.patientId }).waitFor();
    await viewerReady(page);

    // a's answer now, after b's.
    replies.release();
    await settle(page);
    await viewerReady(page);
    expect(await page.getByTestId('corner-patient-id').textContent()).toBe(b.patientId);
    expect(await page.locator('.series-card.active').getAttribute('data-series')).toBe(b.seriesUid);
    await page.screenshot({ path: path.join(resultsDir(), 'open-series-late-answer.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
