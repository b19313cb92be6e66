// Task K (session 18), T's finding T8: Ctrl+C in `lumen predict` over a library. Before, predict
// installed no Ctrl+C handler: SIGINT ended it at once, silently (nothing on stdout or stderr, exit
// by signal), and the scores of every series it had finished were thrown away. Now, as `lumen
// import` does, it stops at the next batch, stores the series it scored whole (the rows a finished
// run stores for them), says so, and exits 130. Failed before the fix: "expected { code: null,
// signal: 'SIGINT' } to deeply equal { code: 130, signal: null }".
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { cpuOfRun, cpuSeconds } from '../support/cpu-of-run';
import { tempFolderForTests } from '../support/temp-folder';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeManyCt } from '../support/many-ct';

const STUDIES = 8;
const SERIES = 3;
const SLICES = 40;
const t = tempFolderForTests('k18-predict-ctrl-c', (dir) => ({ set: writeManyCt(path.join(dir, 'dicom'), { studies: STUDIES, series: SERIES, slices: SLICES, root: '98', name: 'PREDK' }) }));



describe('Ctrl+C in lumen predict', () => {
  it('keeps the series scored so far, says so, and exits 130', async () => {
    const total = STUDIES * SERIES;
    const data = path.join(t.dir, 'data');
    expect((await runLumen(['import', t.set.dir], data)).code).toBe(0);
    // 224 px: a quarter of a CPU second a series here, so the run scores for several CPU seconds after its start.
    const pkg = path.join(data, 'models', 'tiny');
    await saveRandomHeadPackage(pkg, { inputSize: 224, seed: 3, sd: 5, headSeed: 7 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } });
    // What starting costs on this machine (CPU seconds, the same whatever the load beside it): a
    // whole run over one study's 3 series, in a library of its own.
    const one = path.join(t.dir, 'one');
    expect((await runLumen(['import', path.join(t.set.dir, 'study1')], one)).code).toBe(0);
    const start = await cpuOfRun(['predict', '--model', pkg], { LUMEN_DATA_DIR: one });
    const run = spawnLumen(['predict', '--model', 'tiny'], { LUMEN_DATA_DIR: data });
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => run.once('exit', (code, signal) => resolve({ code, signal })));
    // Two CPU seconds into the scoring (about a third of it), then Ctrl+C.
    while (run.exitCode === null && cpuSeconds(run.pid!) < start + 2) await new Promise((r) => setTimeout(r, 20));
    expect(run.exitCode, run.output()).toBeNull();
    run.kill('SIGINT');
    const end = await closed;
    expect(end, run.output()).toEqual({ code: 130, signal: null });
    const db = new Database(path.join(data, 'library', 'library.sqlite'), { readonly: true });
    try {
      const series = (db.prepare("SELECT count(*) AS n FROM predictions WHERE target_kind = 'series'").get() as { n: number }).n;
      expect(series, run.output()).toBeGreaterThan(0);
      expect(series).toBeLessThan(total);
      expect(run.output()).toContain(`Cancelled: scored ${series} of ${total} series (${series * SLICES} images); their scores are stored. Run the same predict again to score the rest (it scores all ${total} again).`);
      // Each kept series whole: every image's row, the series' row counting them, one audit entry naming them.
      const perSeries = db.prepare("SELECT series_uid, count(*) AS n FROM predictions WHERE target_kind = 'image' GROUP BY series_uid").all() as { series_uid: string; n: number }[];
      expect(perSeries.length).toBe(series);
      expect(perSeries.every((r) => r.n === SLICES)).toBe(true);
      const seriesRows = db.prepare("SELECT target_uid, scores FROM predictions WHERE target_kind = 'series' ORDER BY target_uid").all() as { target_uid: string; scores: string }[];
      expect(seriesRows.map((r) => r.target_uid)).toEqual(perSeries.map((r) => r.series_uid).sort());
      expect(seriesRows.every((r) => (JSON.parse(r.scores) as { images: number }).images === SLICES)).toBe(true);
      // The printed lines are those of the stored series, as a finished run prints them.
      expect(run.output()).toContain(`: ${series * SLICES} images in ${series} series`);
      for (const r of seriesRows) expect(run.output()).toContain(`${r.target_uid}: `);
    } finally {
      db.close();
    }
    console.log(`k18: start ${start} s; ${run.output().split('\n').filter((l) => /Cancelled|images in/.test(l)).join(' | ')}`);
  }, 240_000);
});
