import { errorMessage } from '../common/errors';
import { CliError, printJson, type Command } from '../electron/cli/command';
import type { BenchSuite } from './suite';

type SuiteLoaders = Record<string, () => Promise<{ suite: BenchSuite }>>;

// Suites load only when they run.
const suites: SuiteLoaders = {
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

/** What `run` printed on stdout (the suite's --json report), kept from the terminal. */
async function captureStdout(run: () => Promise<number>): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(), text: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

/**
 * `lumen bench all` (what `npm run bench` runs): every suite in turn, each at its default size
 * (run a suite alone for its options). A suite that fails is named on stderr and the others
 * still run; the exit status is 1 when any failed. With --json, one document: each suite's
 * report under its name, and the suites that failed with their error.
 */
export async function runAll(suites: SuiteLoaders, argv: string[]): Promise<number> {
  const other = argv.find((a) => a !== '--json');
  if (other !== undefined) throw new CliError(`"bench all" takes no option but --json, not "${other}": it runs every suite at its default size. Run a suite alone for its options ("lumen bench <suite> --help").`, 2);
  const json = argv.includes('--json');
  const reports: Record<string, unknown> = {};
  const failed: { suite: string; exitCode: number; error?: string }[] = [];
  for (const [name, load] of Object.entries(suites)) {
    if (!json) process.stdout.write(`\n=== lumen bench ${name} ===\n`);
    let exitCode: number;
    let error: string | undefined;
    let text = '';
    try {
      const { suite } = await load();
      if (json) ({ code: exitCode, text } = await captureStdout(() => suite.run(['--json'])));
      else exitCode = await suite.run([]);
    } catch (err) {
      exitCode = err instanceof CliError ? err.exitCode : 1;
      error = errorMessage(err);
    }
    if (json && text.trim()) {
      try {
        reports[name] = JSON.parse(text);
      } catch {
        exitCode ||= 1;
        error ??= 'its report is not JSON';
      }
    }
    if (exitCode !== 0 || error !== undefined) {
      failed.push({ suite: name, exitCode: exitCode || 1, ...(error !== undefined ? { error } : {}) });
      process.stderr.write(`lumen bench ${name} failed${error !== undefined ? `: ${error}` : ` (exit ${exitCode})`}\n`);
    }
  }
  if (json) printJson({ suites: reports, failed });
  if (failed.length) process.stderr.write(`lumen bench all: ${failed.length} of ${Object.keys(suites).length} suites failed: ${failed.map((f) => f.suite).join(', ')}\n`);
  return failed.length ? 1 : 0;
}

const all: BenchSuite = {
  summary: 'Every benchmark suite in turn, each at its default size; a suite that fails is named, and the others still run.',
  usage: 'lumen bench all [--json]',
  run: (argv) => runAll(suites, argv),
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
