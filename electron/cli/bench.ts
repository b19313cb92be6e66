import { CliError, type Command } from './command';

/** One benchmark suite: `lumen bench <suite> [its options]`. */
export interface BenchSuite {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

// Suites load only when they run. Others (dicom, import, train) add themselves here.
const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  models: () => import('./bench-models'),
};

const DEFAULT_SUITE = 'models';

export const command: Command = {
  summary: 'Benchmarks: `lumen bench [suite] [--json] ...` (default suite: models; `lumen bench <suite> --help` for its options).',
  usage: `lumen bench [${Object.keys(suites).join('|')}] [suite options] [--json]`,
  async run(argv) {
    const first = argv[0];
    const named = first !== undefined && !first.startsWith('-');
    const name = named ? first : DEFAULT_SUITE;
    const load = suites[name];
    if (!load) throw new CliError(`unknown benchmark suite "${name}"; suites: ${Object.keys(suites).join(', ')}`, 2);
    const { suite } = await load();
    return suite.run(named ? argv.slice(1) : argv);
  },
};
