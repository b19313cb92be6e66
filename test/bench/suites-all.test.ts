// `lumen bench all` (npm run bench) over suites that pass, fail with an error and fail with an
// exit status: each failure is named, the suites after it still run, and with --json the whole
// run is one JSON document. (The real suites each run in test/bench/suites.test.ts and beside it.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runAll } from '../../bench/index';
import { CliError, printJson } from '../../electron/cli/command';
import type { BenchSuite } from '../../bench/suite';

function suite(run: (argv: string[]) => Promise<number>): () => Promise<{ suite: BenchSuite }> {
  return async () => ({ suite: { summary: '', usage: '', run } });
}

function output() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

afterEach(() => vi.restoreAllMocks());

const ran: string[][] = [];
const suites = {
  first: suite(async (argv) => {
    ran.push(['first', ...argv]);
    if (argv.includes('--json')) printJson({ figure: 1.5 });
    else process.stdout.write('first: 1.5 s\n');
    return 0;
  }),
  broken: suite(async (argv) => {
    ran.push(['broken', ...argv]);
    throw new Error('the series could not be written: disk full');
  }),
  crashing: suite(async (argv) => {
    ran.push(['crashing', ...argv]);
    if (argv.includes('--json')) printJson({ crashed: 2 });
    return 1;
  }),
  last: suite(async (argv) => {
    ran.push(['last', ...argv]);
    if (argv.includes('--json')) printJson({ figure: 2 });
    return 0;
  }),
};

describe('lumen bench all', () => {
  it('runs every suite at its defaults, names each that failed and goes on', async () => {
    ran.length = 0;
    const io = output();
    const code = await runAll(suites, []);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(ran).toEqual([['first'], ['broken'], ['crashing'], ['last']]);
    expect(io.out()).toContain('=== lumen bench first ===\nfirst: 1.5 s\n');
    expect(io.out()).toContain('=== lumen bench last ===');
    expect(io.err()).toContain('lumen bench broken failed: the series could not be written: disk full\n');
    expect(io.err()).toContain('lumen bench crashing failed (exit 1)\n');
    expect(io.err()).toContain('lumen bench all: 2 of 4 suites failed: broken, crashing\n');
  });

  it('with --json prints one document: each report by suite, and the failures', async () => {
    ran.length = 0;
    const io = output();
    const code = await runAll(suites, ['--json']);
    vi.restoreAllMocks();
    expect(code).toBe(1);
    expect(ran).toEqual([['first', '--json'], ['broken', '--json'], ['crashing', '--json'], ['last', '--json']]);
    expect(JSON.parse(io.out())).toEqual({
      suites: { first: { figure: 1.5 }, crashing: { crashed: 2 }, last: { figure: 2 } },
      failed: [
        { suite: 'broken', exitCode: 1, error: 'the series could not be written: disk full' },
        { suite: 'crashing', exitCode: 1 },
      ],
    });
  });

  it('exits 0 when every suite passed', async () => {
    const io = output();
    const code = await runAll({ first: suites.first, last: suites.last }, ['--json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ suites: { first: { figure: 1.5 }, last: { figure: 2 } }, failed: [] });
    expect(io.err()).toBe('');
  });

  it('refuses a suite option, which it would not pass on', async () => {
    await expect(runAll(suites, ['--slices', '2'])).rejects.toThrow(new CliError('"bench all" takes no option but --json, not "--slices": it runs every suite at its default size. Run a suite alone for its options ("lumen bench <suite> --help").', 2));
  });
});
