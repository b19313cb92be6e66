// Task B, session 19: the app follows what another Lumen process does to its library, in Debian's
// Chromium against the real engine and bridge. Before, library.changed came only for the engine's
// own imports and removals: a study `lumen import`ed beside the open app did not show in its study
// list until a reload, and a series `lumen rm` took out stayed in the viewer under its patient's
// name. Here, with a series of study A open: `lumen import` of study B in a child process makes B
// appear in the list without a reload; `lumen rm --study A` in a child process closes the viewer
// with the message that the series shown is gone, and takes A from the list. Fails before the
// change (the list keeps one study; the viewer keeps "Im 1/2"). And `lumen labels import` of a
// label for the open series shows in the Training panel ("Current: lesion"); before the Training
// panel listened to library.changed it kept "unlabelled".
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeManyCt, type ManyCt } from '../support/many-ct';

describe('another Lumen changes the library the app shows', () => {
  let shown: ManyCt | undefined;
  let incoming: ManyCt | undefined;
  const session = useUiSession('lumen-b19-external', async (dataDir) => {
    shown = writeManyCt(path.join(dataDir, 'shown'), { studies: 1, series: 1, slices: 2, root: '63', name: 'SHOWN' });
    incoming = writeManyCt(path.join(dataDir, 'incoming'), { studies: 1, series: 1, slices: 2, root: '64', name: 'INCOMING' });
    const cli = await runLumen(['import', shown.dir], dataDir);
    expect(cli.code, cli.stderr).toBe(0);
  });

  it('lists what lumen import brought, and closes the series lumen rm took out', async () => {
    const s = session();
    const { page, errors } = await openApp(s);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    const patients = page.getByTestId('study-list').getByTestId('study-patient');
    await patients.filter({ hasText: 'SHOWN' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/2/ }).waitFor({ timeout: 60_000 });

    // `lumen import` in another process: the list shows the new study, the page not reloaded.
    const imported = await runLumen(['import', incoming!.dir], s.dataDir);
    expect(imported.code, imported.stderr).toBe(0);
    await patients.filter({ hasText: 'INCOMING' }).waitFor({ timeout: 30_000 });
    expect(await patients.count()).toBe(2);
    // The open series was not touched: it stays open where it was.
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/2/ }).waitFor({ timeout: 5_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'external-change-b19-import.png') });

    // `lumen labels import` in another process: the Training panel shows the open series' new label.
    await page.getByRole('tab', { name: 'Training' }).click();
    const current = page.getByRole('tabpanel', { name: 'Training' }).getByText(/^Current:/);
    await current.filter({ hasText: 'unlabelled' }).waitFor({ timeout: 30_000 });
    const csv = path.join(s.dataDir, 'labels.csv');
    fs.writeFileSync(csv, `StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label\n,${shown!.seriesUids[0]},,,lesion\n`);
    const labelled = await runLumen(['labels', 'import', csv], s.dataDir);
    expect(labelled.code, labelled.stderr).toBe(0);
    await current.filter({ hasText: 'Current: lesion' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'external-change-b19-labels.png') });

    // `lumen rm --study` of the study shown, in another process: the viewer closes with why.
    const rm = await runLumen(['rm', '--study', shown!.studyUids[0], '--yes'], s.dataDir);
    expect(rm.code, rm.stderr).toBe(0);
    const alert = page.getByRole('alert').filter({ hasText: 'after another Lumen changed the library' }).filter({ hasText: `has no series ${shown!.seriesUids[0]}` });
    await alert.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('image-index').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => patients.allInnerTexts(), { timeout: 30_000 }).toEqual([expect.stringContaining('INCOMING')]);
    await page.screenshot({ path: path.join(resultsDir(), 'external-change-b19-rm.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
