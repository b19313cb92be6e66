// U (next unlabelled) acts on the series it was pressed on: a series the user opens while its
// answers are on their way stays shown. Before, the answer to training.labels.nextUnlabelled
// opened the series after the one U was pressed on even when the user had clicked another since,
// so the viewer (and the digit keys) moved off the series the user chose; and when the next
// series' reading was overtaken by a click, the panel still said it had opened it. In Debian's
// Chromium against the real bridge and engine, each answer is held on the socket until the user
// has opened another series, then let through.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { holdReplies, settle } from '../support/hold-replies';

describe('U (next unlabelled) when another series is opened before it answers', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-next-late', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 3, slices: 1, size: 32, seed: 79 });
  });

  it('keeps the series the user opened last, and does not say it opened another', async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    const panel = await importAndOpenTraining(page, set.dir, 3);
    const corner = page.getByTestId('corner-patient-id');
    const open = async (p: PhantomSet['patients'][number]) => {
      await page.locator(`.series-card[data-series="${p.seriesUid}"]`).click();
      await corner.filter({ hasText: p.patientId }).waitFor();
      await viewerReady(page);
    };
    const pressU = async () => {
      await page.locator('body').click({ position: { x: 640, y: 5 } });
      await page.keyboard.press('KeyU');
    };
    const status = panel.locator('.run-status');
    const [a, b, c] = set.patients;

    // The next-unlabelled answer held: c is clicked before it comes.
    await open(a);
    replies.hold((r) => r.method === 'training.labels.nextUnlabelled');
    await pressU();
    await replies.held(1);
    replies.hold(null);
    await open(c);
    replies.release();
    await settle(page);
    await viewerReady(page);
    expect(await corner.textContent()).toBe(c.patientId);
    expect(await status.count()).toBe(0);

    // The next series' own reading held: another series is clicked before it comes.
    const n = replies.sent.length;
    replies.hold((r) => r.method === 'library.series');
    await pressU();
    await replies.held(2);
    replies.hold(null);
    const asked = replies.sent.slice(n).find((r) => r.method === 'library.series')!.input!.seriesInstanceUid;
    const other = [a, b].find((p) => p.seriesUid !== asked)!;
    await open(other);
    replies.release();
    await settle(page);
    await viewerReady(page);
    await page.screenshot({ path: path.join(resultsDir(), 'next-unlabelled-late-a19.png') });
    expect(await corner.textContent()).toBe(other.patientId);
    expect(await status.count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
