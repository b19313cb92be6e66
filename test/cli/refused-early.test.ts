// `lumen train`, `eval`, `compare`, `predict` and `suggest` check their arguments before they
// load the training stack (TF.js, ONNX Runtime, SQLite): a mistyped call is refused at the cost
// of `lumen --version`, not of importing TF.js. What a run loaded is read from the process
// itself: a file required first (NODE_OPTIONS) writes, as the process exits, every CommonJS
// module it loaded (TF.js, ONNX Runtime and better-sqlite3 are CommonJS packages).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { runLumen } from '../support/cli';

let root: string;
let recorder: string;
let library: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-cli-refused-'));
  recorder = path.join(root, 'record-modules.cjs');
  writeFileSync(recorder, "process.on('exit', () => require('node:fs').writeFileSync(process.env.LUMEN_LOADED_LOG, Object.keys(require.cache).join('\\n')));\n");
  library = path.join(root, 'library');
  Library.open(library).close();
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Runs `lumen <args>` and returns what it printed and the packages of the CommonJS modules it loaded. */
async function run(args: string[], name: string) {
  const log = path.join(root, `${name}.loaded`);
  const r = await runLumen(args, path.join(root, 'data'), { NODE_OPTIONS: `--require ${recorder}`, LUMEN_LOADED_LOG: log });
  const packages = new Set(readFileSync(log, 'utf8').split('\n').map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
  return { ...r, packages };
}

const HEAVY = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', 'onnxruntime-node', 'better-sqlite3'];

describe('a refused training command loads no training stack', () => {
  const model = () => path.join(root, 'no-such-package');
  const refused: [string, string[], RegExp][] = [
    ['suggest', ['suggest', '--bogus'], /unknown option --bogus/],
    ['train', ['train', '--bogus'], /unknown option --bogus/],
    ['eval', ['eval', '--bogus'], /unknown option --bogus/],
    ['compare', ['compare', '--bogus'], /unknown option --bogus/],
    ['predict', ['predict', '--bogus'], /unknown option --bogus/],
    // Values checked before anything loads too: a variant, a count, a number, a subset, a missing library.
    ['train-variant', ['train', '--variant', 'b9', '--out', 'x'], /--variant: Unknown backbone "b9"/],
    ['train-epochs', ['train', '--variant', 'b0', '--out', 'x', '--epochs', '0', '--library', '@LIB'], /--epochs must be an integer >= 1, got "0"/],
    ['suggest-n', ['suggest', '--model', '@MODEL', '--n', '0'], /--n must be a whole number from 1 to 100000/],
    // Not decimal numbers: Number() alone reads "0x10" as 16 and "" as 0 (command.ts decimalNumber).
    ['train-epochs-hex', ['train', '--variant', 'b0', '--out', 'x', '--epochs', '0x10', '--library', '@LIB'], /--epochs must be an integer >= 1, got "0x10"/],
    ['suggest-n-hex', ['suggest', '--model', '@MODEL', '--n', '0x10'], /--n must be a whole number from 1 to 100000, got "0x10"/],
    ['compare-seed-empty', ['compare', '--model', '@MODEL', '--model', '@MODEL-2', '--seed', ''], /--seed must be a non-negative integer, got ""/],
    ['eval-subset', ['eval', '--model', '@MODEL', '--subset', 'some'], /--subset must be held-out, test or all/],
    ['compare-one', ['compare', '--model', '@MODEL'], /Pass exactly two models/],
    ['predict-library', ['predict', '--model', '@MODEL', '--library', path.join(os.tmpdir(), 'lumen-no-library-here')], /There is no library in/],
  ];
  for (const [name, args, message] of refused) {
    it(`lumen ${args.join(' ')}`, async () => {
      const r = await run(args.map((a) => (a === '@MODEL' ? model() : a === '@MODEL-2' ? `${model()}-2` : a === '@LIB' ? library : a)), name);
      expect(r.code).toBe(name === 'predict-library' ? 1 : 2);
      expect(r.stderr).toMatch(message);
      for (const p of HEAVY) expect(r.packages.has(p), p).toBe(false);
    }, 60_000);
  }

  it('the same commands with good arguments do load it (what the check above would miss)', async () => {
    // A folder that is there (not a package: the load fails after the stack is in).
    mkdirSync(model(), { recursive: true });
    const r = await run(['eval', '--model', model(), '--library', library], 'eval-good');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lumen eval: /);
    expect(r.packages.has('better-sqlite3')).toBe(true);
    expect(r.packages.has('@tensorflow/tfjs-core')).toBe(true);
  }, 60_000);
});
