// `lumen bench library`: the study list and the label overview on a library at scale
// (rows written straight into SQLite by test/support/library-rows.ts, no files). The study
// list is asked through the real engine, as the UI asks: the whole list at once
// (library.studies, what the study browser asked before it paged) against its first page
// (library.studyPage), with the size of each reply.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeInside } from '../common/node/safe-fs';
import { parseCommandArgs, printJson } from '../electron/cli/command';
import { EngineHost } from '../electron/engine/host';
import { Library, LIBRARY_FILE } from '../electron/library/library';
import { writeSearchDocuments } from '../electron/library/search-index';
import { openDatabase } from '../electron/library/sqlite';
import { labelOverview } from '../electron/training/label-overview';
import { TrainingStore } from '../electron/training/store';
import { fillLibrary } from '../test/support/library-rows';
import { intOption, median, roundTo, type BenchSuite } from './suite';

/** Milliseconds of `f`, median of `runs` after one warm-up run. */
async function timeMs(f: () => unknown, runs = 5): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return roundTo(median(ms));
}

export interface LibraryBenchResult {
  studies: number;
  /** library.studies: every study with its series, in one reply (the study browser before paging). */
  wholeList: { ms: number; replyBytes: number };
  /**
   * library.studyPage: the first 200 studies, the next 200, a search for a study far down (by
   * patient ID, and by part of the name: both through the trigram index), a 2-letter search (too
   * short for the index: a scan), the first page by name and by modality.
   */
  firstPage: { ms: number; replyBytes: number };
  nextPage: { ms: number };
  searchFarStudy: { ms: number };
  searchFarName: { ms: number };
  searchTwoLetters: { ms: number };
  firstPageByName: { ms: number };
  firstPageByModality: { ms: number };
  /**
   * 10,000 studies written straight into SQLite (test/support/library-rows.ts) into a new library,
   * then their search documents written (what an import does at its end); and the same without
   * the study search's triggers. CPU milliseconds of this process, median of 3: the triggers' cost.
   */
  rawWrites: { studies: number; cpuMs: number; withoutSearchTriggersCpuMs: number };
  /** The label overview (labels overview, the Training tab) of `series` one-image series, a third of them labelled. */
  labelOverview: { series: number; ms: number };
  machine: { cpus: number; cpuModel: string; node: string };
}

/** CPU milliseconds of writing `studies` studies into a new library under `root`, median of 3; `withTriggers: false` drops the search triggers first. */
function rawWriteCpuMs(root: string, studies: number, withTriggers: boolean): number {
  const ms: number[] = [];
  for (let run = 0; run < 3; run++) {
    const dir = path.join(root, `raw-${withTriggers ? 'with' : 'without'}-${run}`);
    Library.open(dir).close();
    const db = openDatabase(path.join(dir, LIBRARY_FILE));
    try {
      if (!withTriggers) {
        for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'study_search_%'").all()) db.exec(`DROP TRIGGER ${name}`);
      }
    } finally {
      db.close();
    }
    const start = process.cpuUsage();
    fillLibrary(dir, { studies });
    const written = openDatabase(path.join(dir, LIBRARY_FILE));
    try {
      writeSearchDocuments(written);
    } finally {
      written.close();
    }
    const used = process.cpuUsage(start);
    ms.push((used.user + used.system) / 1000);
  }
  return roundTo(median(ms));
}

export async function runLibraryBench(opts: { studies: number; json: boolean }): Promise<LibraryBenchResult> {
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-list-'));
  try {
    say(`Writing ${opts.studies.toLocaleString('en-GB')} studies into a fresh library…`);
    const specs = fillLibrary(path.join(dataDir, 'library'), {
      studies: opts.studies,
      label: (n) => (n % 3 === 0 ? { kind: 'series', label: n % 2 ? 'tumour' : 'normal' } : null),
    });
    const host = new EngineHost({ dataDir, shell: 'browser' });
    let result: Omit<LibraryBenchResult, 'labelOverview' | 'machine' | 'rawWrites'>;
    try {
      const ask = async (method: string, input: object) => {
        const reply = await host.request(method, input);
        if (!reply.ok) throw new Error(`${method} failed: ${reply.error.message}`);
        return reply.value;
      };
      const bytes = async (method: string, input: object) => JSON.stringify(await ask(method, input)).length;
      const first = (await ask('library.studyPage', {})) as { nextCursor: string };
      const far = specs[specs.length - 1];
      result = {
        studies: opts.studies,
        wholeList: { ms: await timeMs(() => ask('library.studies', {}), 3), replyBytes: await bytes('library.studies', {}) },
        firstPage: { ms: await timeMs(() => ask('library.studyPage', {})), replyBytes: await bytes('library.studyPage', {}) },
        nextPage: { ms: await timeMs(() => ask('library.studyPage', { cursor: first.nextCursor })) },
        searchFarStudy: { ms: await timeMs(() => ask('library.studyPage', { search: far.patientId })) },
        searchFarName: { ms: await timeMs(() => ask('library.studyPage', { search: far.name.split('^')[0].toLowerCase() })) },
        searchTwoLetters: { ms: await timeMs(() => ask('library.studyPage', { search: 'k0' })) },
        firstPageByName: { ms: await timeMs(() => ask('library.studyPage', { sort: 'name' })) },
        firstPageByModality: { ms: await timeMs(() => ask('library.studyPage', { sort: 'modality' })) },
      };
    } finally {
      await host.close();
    }
    const library = Library.open(path.join(dataDir, 'library'));
    let overviewMs: number;
    try {
      const store = new TrainingStore(library);
      overviewMs = await timeMs(() => labelOverview(store), 3);
    } finally {
      library.close();
    }
    say('Writing 10,000 studies straight into SQLite, with and without the search triggers (3 times each)…');
    const rawWrites = { studies: 10_000, cpuMs: rawWriteCpuMs(dataDir, 10_000, true), withoutSearchTriggersCpuMs: rawWriteCpuMs(dataDir, 10_000, false) };
    const cpu = os.cpus();
    const out: LibraryBenchResult = {
      ...result,
      rawWrites,
      labelOverview: { series: opts.studies, ms: overviewMs },
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
    };
    const kb = (b: number) => `${Math.round(b / 1024).toLocaleString('en-GB')} kB`;
    say(`Study list through the engine, ${opts.studies.toLocaleString('en-GB')} studies (median of 5; the whole list of 3):`);
    say(`  whole list at once (library.studies): ${out.wholeList.ms} ms, ${kb(out.wholeList.replyBytes)}`);
    say(`  first page of 200 (library.studyPage): ${out.firstPage.ms} ms, ${kb(out.firstPage.replyBytes)}; next page ${out.nextPage.ms} ms`);
    say(`  search for the last study: by ID ${out.searchFarStudy.ms} ms, by name ${out.searchFarName.ms} ms; a 2-letter search (a scan) ${out.searchTwoLetters.ms} ms`);
    say(`  first page by name ${out.firstPageByName.ms} ms, by modality ${out.firstPageByModality.ms} ms`);
    say(`Raw writes of ${out.rawWrites.studies.toLocaleString('en-GB')} studies (CPU, median of 3): ${out.rawWrites.cpuMs} ms; without the search triggers ${out.rawWrites.withoutSearchTriggersCpuMs} ms`);
    say(`Label overview of ${opts.studies.toLocaleString('en-GB')} series (median of 3): ${out.labelOverview.ms} ms`);
    say(`(${out.machine.cpus} × ${out.machine.cpuModel}, Node ${out.machine.node})`);
    return out;
  } finally {
    removeInside(os.tmpdir(), dataDir);
  }
}

export const suite: BenchSuite = {
  summary: 'The study list through the engine at 20,000 studies (the whole list at once vs its first page, next page, search, other sorts) the label overview of as many series, and the CPU cost of the study search triggers on 10,000 studies written straight into SQLite.',
  usage: 'lumen bench library [--studies 20000] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { studies: { type: 'string' }, json: { type: 'boolean' } });
    const result = await runLibraryBench({ studies: intOption(values.studies, 20_000, 'studies', 1, 1_000_000), json: !!values.json });
    if (values.json) printJson(result);
    return 0;
  },
};
