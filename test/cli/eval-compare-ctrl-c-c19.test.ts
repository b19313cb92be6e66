// Task C (session 19): Ctrl+C in `lumen eval` and `lumen compare`. Before, neither installed a
// Ctrl+C handler: SIGINT ended them at once by signal, silently. Now, as `lumen predict` does
// (0c48993), the scoring stops at its next batch, one line says what was kept, exit 130, no stack
// trace and nothing on stdout. An evaluation is stored (its audit entry) only once its scoring
// ends: a stop in eval or in compare's A keeps none; a stop in compare's B keeps A's. Labels that
// --labels imported stay. Failed before the fix: "expected { code: null, signal: 'SIGINT' } to
// deeply equal { code: 130, signal: null }".
import Database from 'better-sqlite3';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
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
const IMAGES = STUDIES * SERIES * SLICES;
const t = tempFolderForTests('c19-eval-ctrl-c', (dir) => ({ set: writeManyCt(path.join(dir, 'dicom'), { studies: STUDIES, series: SERIES, slices: SLICES, root: '73', name: 'EVALC' }) }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


const query = <T>(library: string, sql: string): T[] => {
  const db = new Database(path.join(library, 'library.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
};
const evaluations = (library: string) => query<{ package_hash: string }>(library, "SELECT package_hash FROM audit_log WHERE action = 'evaluate'");

/** `lumen <args>` stopped by Ctrl+C once `ready` holds (polled every 20 ms); how it ended and what it wrote. */
async function interrupted(args: string[], data: string, ready: (pid: number) => boolean) {
  const run = spawnLumen(args, { LUMEN_DATA_DIR: data });
  let stdout = '';
  run.stdout!.on('data', (d) => (stdout += d));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => run.once('exit', (code, signal) => resolve({ code, signal })));
  while (run.exitCode === null && !ready(run.pid!)) await sleep(20);
  expect(run.exitCode, run.output()).toBeNull();
  run.kill('SIGINT');
  const end = await closed;
  return { end, output: run.output(), stdout };
}

describe('Ctrl+C in lumen eval and lumen compare', () => {
  it('stops, says what was kept in one line, exits 130, and stores no evaluation it did not finish', async () => {
    const data = path.join(t.dir, 'data');
    const library = path.join(data, 'library');
    expect((await runLumen(['import', t.set.dir], data)).code).toBe(0);
    const csv = path.join(t.dir, 'labels.csv');
    writeFileSync(csv, ['SeriesInstanceUID,SOPInstanceUID,label', ...t.set.seriesUids.map((s, i) => `${s},,${i % 2 ? 'Abnormal' : 'Normal'}`)].join('\n') + '\n');
    // 224 px: a quarter of a CPU second a series here, so each model scores for several CPU seconds after the start.
    const meta = { classNames: ['Normal', 'Abnormal'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] } };
    const pkgA = path.join(data, 'models', 'tiny-a');
    const pkgB = path.join(data, 'models', 'tiny-b');
    await saveRandomHeadPackage(pkgA, { inputSize: 224, seed: 3, sd: 5, headSeed: 7 }, { name: 'tiny-a', ...meta });
    await saveRandomHeadPackage(pkgB, { inputSize: 224, seed: 3, sd: 5, headSeed: 8 }, { name: 'tiny-b', ...meta });
    // What starting costs on this machine (CPU seconds, the same whatever the load beside it): a
    // whole predict over one study's 3 series, in a library of its own.
    const one = path.join(t.dir, 'one');
    expect((await runLumen(['import', path.join(t.set.dir, 'study1')], one)).code).toBe(0);
    const start = await cpuOfRun(['predict', '--model', pkgA], { LUMEN_DATA_DIR: one });

    // eval: two CPU seconds into its scoring (about a third of it).
    const e = await interrupted(['eval', '--model', pkgA, '--labels', csv, '--subset', 'all'], data, (pid) => cpuSeconds(pid) >= start + 2);
    expect(e.end, e.output).toEqual({ code: 130, signal: null });
    const line = /Cancelled: scored (\d+) of (\d+) images; no evaluation was made and nothing of it was stored\. The labels imported from (.+) stay in the library\. Run the same eval again to evaluate\./.exec(e.output);
    expect(line, e.output).not.toBeNull();
    expect(Number(line![1])).toBeLessThan(IMAGES);
    expect(Number(line![2])).toBe(IMAGES);
    expect(line![3]).toBe(csv);
    expect(e.stdout).toBe('');
    expect(e.output).not.toMatch(/^\s+at /m);
    expect(evaluations(library)).toEqual([]);
    // The labels --labels imported stay.
    expect(query<{ n: number }>(library, 'SELECT count(*) AS n FROM labels')[0].n).toBeGreaterThan(0);

    // compare, stopped while scoring A: nothing stored.
    const inA = await interrupted(['compare', '--model', pkgA, '--model', pkgB, '--subset', 'all'], data, (pid) => cpuSeconds(pid) >= start + 2);
    expect(inA.end, inA.output).toEqual({ code: 130, signal: null });
    expect(inA.output, inA.output).toMatch(new RegExp(`Cancelled: scored \\d+ of A's ${IMAGES} images; the models were not compared and nothing was stored\\. Run the same compare again to compare them\\.`));
    expect(inA.stdout).toBe('');
    expect(inA.output).not.toMatch(/^\s+at /m);
    expect(evaluations(library)).toEqual([]);

    // compare, stopped once A's evaluation is recorded (B scoring): A's evaluation is kept, and said.
    const inB = await interrupted(['compare', '--model', pkgA, '--model', pkgB, '--subset', 'all'], data, () => evaluations(library).length > 0);
    expect(inB.end, inB.output).toEqual({ code: 130, signal: null });
    expect(inB.output, inB.output).toMatch(
      new RegExp(`Cancelled: scored A's ${IMAGES} images and (none|\\d+) of B's; the models were not compared and nothing was stored but A's evaluation, recorded in the audit log\\. Run the same compare again to compare them\\.`),
    );
    expect(inB.stdout).toBe('');
    expect(evaluations(library)).toHaveLength(1);
    console.log(`c19: start ${start} s; ${[e, inA, inB].map((r) => r.output.split('\n').find((l) => l.startsWith('Cancelled'))).join(' | ')}`);
  }, 300_000);
});
