// `lumen bench series-patients`: the one-time read of each series' own patient details
// (electron/library/series-patients.ts) on a library from before schema 15 of N one-image
// series, three to a study and patient, 256² CT slices (test/support/dicom), one study in 50
// with a second name. How long opening blocks when it reads them (the CLI), and the same read in
// turns (the engine, answering requests meanwhile), with the files in the page cache; a file
// the cache has to fetch from disk adds its read to each series.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeInside } from '../common/node/safe-fs';
import { parseCommandArgs, printJson } from '../electron/cli/command';
import { Library, LIBRARY_FILE } from '../electron/library/library';
import { ctImageSpec } from '../test/support/dicom/ct-image';
import { writeImage } from '../test/support/dicom/write';
import { copyAsSchema14 } from '../test/support/old-library';
import { count, intOption, median, roundTo, type BenchSuite } from './suite';

export interface SeriesPatientsBenchResult {
  series: number;
  /** Files found with a second name (one study in 50). */
  conflicts: number;
  /** Library.open reading every series at opening: median of 3 fresh copies. */
  openMs: number;
  /** openMs a series. */
  msPerSeries: number;
  /** Library.open leaving it for later (the migrations to this schema and nothing else), then readSeriesPatients in turns. */
  openLaterMs: number;
  inTurnsMs: number;
  /** Opening once it has run. */
  openAgainMs: number;
  machine: { cpus: number; cpuModel: string; node: string };
}

export async function runSeriesPatientsBench(opts: { series: number; json?: boolean }): Promise<SeriesPatientsBenchResult> {
  const say = (line: string) => (opts.json ? undefined : process.stdout.write(`${line}\n`));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-series-patients-'));
  try {
    const folder = path.join(work, 'in');
    fs.mkdirSync(folder);
    const pixels = new Int16Array(256 * 256).map((_, i) => (i * 7) % 2000);
    const root = '1.2.826.0.1.3680043.10.919';
    for (let i = 0; i < opts.series; i++) {
      const study = Math.floor(i / 3);
      const secondName = i % 3 === 2 && study % 50 === 0;
      const uid = `${root}.${study}.${i % 3}`;
      writeImage(
        path.join(folder, `${i}.dcm`),
        ctImageSpec(256, pixels, {
          0x00100010: { vr: 'PN', value: `${secondName ? 'Other' : 'Bench'}^Patient${study}` },
          0x00100020: { vr: 'LO', value: `BENCH${study}` },
          0x00080018: { vr: 'UI', value: `${uid}.1` },
          0x0020000d: { vr: 'UI', value: `${root}.${study}` },
          0x0020000e: { vr: 'UI', value: uid },
        }),
      );
    }
    const fresh = path.join(work, 'fresh');
    const imported = Library.open(fresh);
    await imported.importPaths([folder]);
    imported.close();
    const template = path.join(work, 'template');
    copyAsSchema14(path.join(fresh, LIBRARY_FILE), template, true);
    say(`${opts.series} series written and imported; a library of schema 14 made of them`);

    const dir = path.join(work, 'old');
    const copy = () => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(template, LIBRARY_FILE), path.join(dir, LIBRARY_FILE));
    };
    const opens: number[] = [];
    let conflicts = 0;
    for (let run = 0; run < 3; run++) {
      copy();
      const lines: string[] = [];
      const t = performance.now();
      Library.open(dir, { log: (line) => lines.push(line) }).close();
      opens.push(performance.now() - t);
      conflicts = lines.filter((l) => l.startsWith('  ')).length;
    }
    let t = performance.now();
    Library.open(dir, { log: () => {} }).close();
    const openAgainMs = performance.now() - t;

    copy();
    t = performance.now();
    const later = Library.open(dir, { seriesPatients: 'later', log: () => {} });
    const openLaterMs = performance.now() - t;
    t = performance.now();
    await later.readSeriesPatients();
    const inTurnsMs = performance.now() - t;
    later.close();

    const openMs = median(opens);
    const result: SeriesPatientsBenchResult = {
      series: opts.series,
      conflicts,
      openMs: roundTo(openMs),
      msPerSeries: roundTo(openMs / opts.series, 3),
      openLaterMs: roundTo(openLaterMs),
      inTurnsMs: roundTo(inTurnsMs),
      openAgainMs: roundTo(openAgainMs),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    };
    say(`opening, reading each series at once: ${result.openMs} ms (${result.msPerSeries} ms a series), ${count(conflicts, 'file')} with a second name`);
    say(`opening, leaving it for later: ${result.openLaterMs} ms; then the read in turns: ${result.inTurnsMs} ms`);
    say(`opening once it has run: ${result.openAgainMs} ms`);
    return result;
  } finally {
    removeInside(os.tmpdir(), work);
  }
}

export const suite: BenchSuite = {
  summary: "The one-time read of each series' own patient details on a library from before schema 15: how long opening blocks (CLI) and the read in turns (engine).",
  usage: 'lumen bench series-patients [--series 3000] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { series: { type: 'string' }, json: { type: 'boolean' } });
    const result = await runSeriesPatientsBench({ series: intOption(values.series, 3000, 'series', 1, 1_000_000), json: !!values.json });
    if (values.json) printJson(result);
    return 0;
  },
};
