/** `lumen bench dicom` and `lumen bench import`: adapters from the suite map to the DICOM and library benchmarks. */
import { runImportBench } from '../library/bench';
import type { BenchSuite } from './bench';
import { printJson } from './command';
import { parseCommandArgs } from './main';
import { runDicomBench } from './bench-dicom';

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

export const importSuite = dataSuite(
  'Import into a fresh library and metadata parsing (files/s) on a generated 100-slice 512x512 CT series.',
  'lumen bench import [--slices N] [--json]',
  runImportBench,
);
