import { CliError, type Command } from '../electron/cli/command';
import type { BenchSuite } from './suite';

// Suites load only when they run.
const suites: Record<string, () => Promise<{ suite: BenchSuite }>> = {
  models: () => import('./models'),
  dicom: async () => ({ suite: (await import('./data')).dicomSuite }),
  import: async () => ({ suite: (await import('./data')).importSuite }),
  library: () => import('./library-list'),
  'series-patients': () => import('./series-patients'),
  train: () => import('./train'),
  stats: () => import('./stats'),
  'series-uncertainty': () => import('./series-uncertainty'),
  predict: () => import('./predict'),
  pacs: () => import('./pacs'),
  fuzz: () => import('./fuzz'),
  viewer: () => import('./viewer'),
  'decode-start': () => import('./decode-start'),
};

/** `lumen bench all` (what `npm run bench` runs): every suite in turn, each with its defaults. */
const all: BenchSuite = {
  summary: 'Every benchmark suite in turn.',
  usage: 'lumen bench all [--json]',
  async run(argv) {
    let code = 0;
    for (const [name, load] of Object.entries(suites)) {
      if (!argv.includes('--json')) process.stdout.write(`\n=== lumen bench ${name} ===\n`);
      const { suite } = await load();
      code = Math.max(code, await suite.run(argv.filter((a) => a === '--json')));
    }
    return code;
  },
};

const DEFAULT_SUITE = 'models';

export const command: Command = {
  ownHelp: true,
  summary: 'Benchmarks: `lumen bench [suite] [--json] ...` (default suite: models; `lumen bench <suite> --help` for its options).',
  usage: `lumen bench [${Object.keys(suites).join('|')}|all] [suite options] [--json]`,
  async run(argv) {
    const first = argv[0];
    if (first === '--help' || first === '-h') {
      const lines = await Promise.all(Object.entries(suites).map(async ([name, load]) => `  ${name.padEnd(8)} ${(await load()).suite.summary}`));
      process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n\nSuites:\n${lines.join('\n')}\n  all      ${all.summary}\n`);
      return 0;
    }
    const named = first !== undefined && !first.startsWith('-');
    const name = named ? first : DEFAULT_SUITE;
    const load = name === 'all' ? async () => ({ suite: all }) : suites[name];
    if (!load) throw new CliError(`unknown benchmark suite "${name}"; suites: ${Object.keys(suites).join(', ')}`, 2);
    const { suite } = await load();
    const rest = named ? argv.slice(1) : argv;
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${suite.summary}\n\nUsage: ${suite.usage}\n`);
      return 0;
    }
    return suite.run(rest);
  },
};
