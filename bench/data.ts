/** `lumen bench dicom` and `lumen bench import`: adapters from the suite map to the DICOM and library benchmarks. */
import { ensureManyFiles, runImportBench } from './library';
import { runReimportBench } from './reimport';
import { runOtherFilesBench } from './reimport-other';
import { measureImportLoad, type ImportLoadResult } from './import-load';
import { intOption, type BenchSuite } from './suite';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import { runDicomBench } from './dicom';

function dataSuite(summary: string, usage: string, bench: (opts: { json: boolean; slices?: number; warmup?: number }) => Promise<object>, takesWarmup = false): BenchSuite {
  return {
    summary,
    usage,
    async run(argv) {
      const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, slices: { type: 'string' }, ...(takesWarmup ? { warmup: { type: 'string' as const } } : {}) });
      const slices = values.slices ? Number(values.slices) : undefined;
      const warmup = typeof values.warmup === 'string' ? Number(values.warmup) : undefined;
      const result = await bench({ json: !!values.json, slices, warmup });
      if (values.json) printJson(result);
      return 0;
    },
  };
}

export const dicomSuite = dataSuite(
  'DICOM parsing and decoding (frames/s per transfer syntax) on a generated 100-slice 512x512 CT series, next to dcmtk and GDCM decoding the same files in one native process.',
  'lumen bench dicom [--slices N] [--warmup SECONDS] [--json]',
  runDicomBench,
  true,
);

const LOAD_FILES = 10_000;
const REIMPORT_IMAGES = 1_000;
const OTHER_FILES = 2_000;

/** `files` small generated files imported through a bridge and its engine, as the UI does; prints a summary unless `json`. */
async function runImportLoad(files: number, json: boolean): Promise<ImportLoadResult> {
  const say = (line: string) => {
    if (!json) process.stdout.write(line + '\n');
  };
  say(`\nPreparing ${files} small CT files (64x64, series of 100)…`);
  const r = await measureImportLoad({ folder: ensureManyFiles(files), files });
  const delay = (d: ImportLoadResult['servingEventLoopDelay']['idle']) => `max ${d.maxMs} ms, p99 ${d.p99Ms} ms`;
  say(`Import through the engine, as the UI starts it: ${r.import.filesPerSecond} files/s (the same files in one process: ${r.directImport.filesPerSecond} files/s)`);
  say(`Serving process's event-loop delay: ${delay(r.servingEventLoopDelay.duringImport)} during the import; ${delay(r.servingEventLoopDelay.idle)} idle (target: under 100 ms)`);
  say(`  its loop ran code ${Math.round(r.servingEventLoopUtilization.duringImport * 100)}% of the time during the import (${Math.round(r.servingEventLoopUtilization.idle * 100)}% idle)`);
  say(`UI requests answered in: max ${r.uiRoundTrip.duringImport.maxMs} ms, mean ${r.uiRoundTrip.duringImport.meanMs} ms during the import; max ${r.uiRoundTrip.idle.maxMs} ms idle; ${r.progressEvents} progress events`);
  return r;
}

export const importSuite: BenchSuite = {
  summary:
    "Import into a fresh library and metadata parsing (files/s) on a generated 100-slice 512x512 CT series; then 10,000 small files imported through the bridge and engine, with the serving process's event-loop delay beside its idle baseline; then 1,000 small images with a parametric map of each imported again, unchanged and with 3 new files; then 2,000 images, 2,000 files not DICOM and a DICOMDIR imported again unchanged.",
  usage: 'lumen bench import [--slices N] [--files N (0: no load run)] [--reimport N (images; 0: no re-import run)] [--other N (images and files not DICOM; 0: no run)] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, slices: { type: 'string' }, files: { type: 'string' }, reimport: { type: 'string' }, other: { type: 'string' } });
    const files = values.files === undefined ? LOAD_FILES : Number(values.files);
    if (!Number.isInteger(files) || files < 0 || files > 1_000_000) throw new CliError(`--files must be a whole number from 0 to 1000000, not "${values.files}".`, 2);
    const reimportImages = intOption(values.reimport, REIMPORT_IMAGES, 'reimport', 0, 100_000);
    const otherFiles = intOption(values.other, OTHER_FILES, 'other', 0, 100_000);
    const json = !!values.json;
    const result = await runImportBench({ json, slices: values.slices ? Number(values.slices) : undefined });
    const underLoad = files > 0 ? await runImportLoad(files, json) : null;
    const reimport = reimportImages > 0 ? await runReimportBench({ json, images: reimportImages }) : null;
    const otherFilesAgain = otherFiles > 0 ? await runOtherFilesBench({ json, files: otherFiles }) : null;
    if (json) printJson({ ...result, underLoad, reimport, otherFilesAgain });
    return 0;
  },
};
