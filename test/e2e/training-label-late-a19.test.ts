// The Training panel's "Current:" label is the label of the series shown, whatever order the
// answers come in. Before, each answer to training.labels.list was applied when it came: a
// series opened and left at once (its labels read slowly, a busy engine) could have its answer
// arrive after the next series' and put its label, "disc", beside another patient's image that
// has none. In Debian's Chromium against the real bridge and engine, the first series' answer is
// held on the socket until the second series' label is shown, then let through.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { holdReplies, settle } from '../support/hold-replies';

describe('the Training panel label when series are switched quickly', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-label-late', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 3, slices: 2, size: 48, seed: 73 });
  });

  it("shows the label of the series shown, not a late answer about the one before", async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    const panel = await importAndOpenTraining(page, set.dir, 6);
    const [a, b, c] = set.patients;
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(['SeriesInstanceUID,label', `${a.seriesUid},disc`, `${c.seriesUid},ring`].join('\n')) });
    await panel.getByRole('region', { name: 'Label import report' }).getByText('labels.csv: 2 rows; labelled 2 series').waitFor();
    const current = panel.getByText('Current:');

    await page.locator(`.series-card[data-series="${c.seriesUid}"]`).click();
    await current.filter({ hasText: 'ring' }).waitFor();

    // a's label is read and held; b is opened before the answer comes.
    replies.hold((r) => r.method === 'training.labels.list' && Array.isArray(r.input?.targetUids) && (r.input.targetUids as string[]).includes(a.seriesUid));
    await page.locator(`.series-card[data-series="${a.seriesUid}"]`).click();
    await replies.held();
    replies.hold(null);
    await page.locator(`.series-card[data-series="${b.seriesUid}"]`).click();
    await page.getByTestId('corner-patient-id').filter({ hasText: b.patientId }).waitFor();
    await current.filter({ hasText: 'unlabelled' }).waitFor();
    await viewerReady(page);

    // a's answer now, after b's.
    replies.release();
    await settle(page);
    expect(await page.getByTestId('corner-patient-id').textContent()).toBe(b.patientId);
    expect(await current.textContent()).toBe('Current: unlabelled');
    await page.screenshot({ path: path.join(resultsDir(), 'training-label-late-a19.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
