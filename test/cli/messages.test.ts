// What a new user sees from `lumen` when a command is typed wrong or runs without trouble:
// one clear line naming the flag or the action (never Node's parseArgs text, never the
// command's name twice), no library banners on a clean run, and no library made as a side
// effect of a mistyped --library. Each case is one the README walk-through met.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';

let root: string;
const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-cli-messages-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Text that Node's util.parseArgs writes for its own callers, not for a person typing a command. */
const PARSE_ARGS_TEXT = /To specify a positional argument|Option '--[^']*<value>' argument missing|argument is ambiguous|Did you forget to specify/;

describe('wrong flags', () => {
  it('an unknown option is named, with where to find the options, in one line', async () => {
    const r = await lumen(['ls', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(PARSE_ARGS_TEXT);
    expect(r.stderr).toBe('lumen ls: unknown option --bogus. "lumen ls --help" lists the options.\n');
  }, 60_000);

  it('an option without its value says which option needs one', async () => {
    const r = await lumen(['ls', '--search']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(PARSE_ARGS_TEXT);
    expect(r.stderr).toBe('lumen ls: --search needs a value. "lumen ls --help" lists the options.\n');
  }, 60_000);

  it('a value that looks like the next flag is taken as a missing value', async () => {
    const r = await lumen(['predictions', '--series', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(PARSE_ARGS_TEXT);
    expect(JSON.parse(r.stdout).error).toBe('--series needs a value. "lumen predictions --help" lists the options.');
  }, 60_000);

  it('a value given to a flag that takes none is named', async () => {
    const r = await lumen(['ls', '--json=yes']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).not.toMatch(PARSE_ARGS_TEXT);
    expect(r.stdout + r.stderr).toContain('--json takes no value');
  }, 60_000);
});

describe('commands with actions', () => {
  for (const [command, action] of [
    ['labels', 'frob'],
    ['settings', 'frob'],
    ['weights', 'frob'],
  ]) {
    it(`lumen ${command} ${action} names the command once and lists its actions`, async () => {
      const r = await lumen([command, action]);
      expect(r.code).toBe(2);
      expect(r.stderr.startsWith(`lumen ${command}: `)).toBe(true);
      expect(r.stderr).not.toContain(`lumen ${command}: lumen ${command}`);
      expect(r.stderr).toContain(`"${action}"`);
    }, 60_000);
  }
});

describe('clean output', () => {
  it('lumen models prints its table and nothing on stderr (no TF.js banner)', async () => {
    const r = await lumen(['models']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^variant\s+family/);
    expect(r.stderr).toBe('');
  }, 120_000);
});

describe('a mistyped --library', () => {
  it('lumen predict refuses a folder without a library, and leaves none behind', async () => {
    const missing = path.join(root, 'no-such-library');
    const r = await lumen(['predict', '--model', path.join(root, 'no-such-package'), '--library', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`There is no library in ${missing}`);
    expect(existsSync(missing)).toBe(false);
  }, 60_000);
});
