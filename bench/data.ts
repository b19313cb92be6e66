/** `lumen bench dicom` and `lumen bench import`: adapters from the suite map to the DICOM and library benchmarks. */
import { ensureManyFiles, runImportBench } from './library';
import { runReimportBench } from './reimport';
import { runOtherFilesBench } from './reimport-other';
import { measureImportLoad, type ImportLoadResult } from './import-load';
import { intOption, type BenchSuite } from './suite';
import { CliError, decimalNumber, parseCommandArgs, printJson } from '../electron/cli/command';
import { runDicomBench } from './dicom';

function dataSuite(summary: string, usage: string, bench: (opts: { json: boolean; slices?: number; warmup?: number }) => Promise<object>, minSlices: number, takesWarmup = false): BenchSuite {
  return {
    summary,
    usage,
    async run(argv) {
      const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, slices: { type: 'string' }, ...(takesWarmup ? { warmup: { type: 'string' as const } } : {}) });
      const slices = values.slices === undefined ? undefined : intOption(values.slices, 0, 'slices', minSlices, 100_000);
      const warmup = typeof values.warmup === 'string' ? decimalNumber(values.warmup) : undefined;
      if (warmup !== undefined && !(warmup >= 0 && Number.isFinite(warmup))) throw new CliError(`--warmup must be a number of seconds, 0 or more, not "${values.warmup}".`, 2);
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
  2,
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
    const files = intOption(values.files, LOAD_FILES, 'files', 0, 1_000_000);
    const reimportImages = intOption(values.reimport, REIMPORT_IMAGES, 'reimport', 0, 100_000);
    const otherFiles = intOption(values.other, OTHER_FILES, 'other', 0, 100_000);
    const json = !!values.json;
    const result = await runImportBench({ json, slices: values.slices === undefined ? undefined : intOption(values.slices, 0, 'slices', 1, 100_000) });
    const underLoad = files > 0 ? await runImportLoad(files, json) : null;
    const reimport = reimportImages > 0 ? await runReimportBench({ json, images: reimportImages }) : null;
    const otherFilesAgain = otherFiles > 0 ? await runOtherFilesBench({ json, files: otherFiles }) : null;
    if (json) printJson({ ...result, underLoad, reimport, otherFilesAgain });
    return 0;
  },
};
