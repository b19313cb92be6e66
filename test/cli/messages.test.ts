// What a new user sees from `lumen` when a command is typed wrong or runs without trouble:
// one clear line naming the flag or the action (never Node's parseArgs text, never the
// command's name twice), no library banners on a clean run, and no library made as a side
// effect of a mistyped --library. Each case is one the README walk-through met.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { comparedOnLine } from '../../electron/cli/compare';
import { PATIENT_AGGREGATION, SERIES_HEAD_PATIENT_AGGREGATION } from '../../models/training/levels';
import { randomBackboneWarning } from '../../common/training-advice';

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

  it('lumen serve --port that is not a decimal number is refused, not read as 0 (any port) or 0x50 as 80', async () => {
    for (const port of ['', '0x50']) {
      const r = await lumen(['serve', '--port', port, '--data-dir', path.join(root, 'serve-data')]);
      expect(r.code, `--port "${port}"`).toBe(2);
      expect(r.stderr).toBe(`lumen serve: --port must be a number from 0 to 65535, not "${port}".\n`);
    }
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

describe('arguments a command does not take', () => {
  it('a word typed without its flag is refused, not ignored (lumen predict would score the whole library)', async () => {
    const r = await lumen(['predict', '--model', path.join(root, 'no-such-package'), '1.2.3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lumen predict: unexpected argument "1.2.3": this command takes options only. "lumen predict --help" lists the options.\n');
  }, 60_000);

  it('lumen ls with a stray word says so', async () => {
    const r = await lumen(['ls', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unexpected argument "extra"');
  }, 60_000);

  it('lumen export with nothing to export says what it can export', async () => {
    const r = await lumen(['export']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lumen export: name what to export: a model .*--results.*--deidentify.*--csv\|--json/);
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

describe('values a setting does not take', () => {
  it('lumen settings set names the values the setting takes', async () => {
    const r = await lumen(['settings', 'set', 'theme', 'purple']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lumen settings: Settings not changed: not a valid value for theme. theme takes one of dark, light.\n');
  }, 60_000);
});

describe('clean output', () => {
  it('lumen models prints its table and nothing on stderr (no TF.js banner)', async () => {
    const r = await lumen(['models']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^variant\s+family/);
    expect(r.stderr).toBe('');
  }, 120_000);
});

describe('the command line itself', () => {
  it('lumen --help lists every command with what it does', async () => {
    const r = await lumen(['--help']);
    expect(r.code).toBe(0);
    const main = readFileSync(path.join(__dirname, '../../electron/cli/main.ts'), 'utf8');
    const names = [...main.matchAll(/^\s+'?([a-z-]+)'?: \(\) => import\(/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S.{10,}$`, 'm'));
  }, 60_000);

  it('each form of a command in its --help lines up under the first, as in lumen weights --help', async () => {
    for (const name of ['labels', 'pacs', 'weights']) {
      const r = await lumen([name, '--help']);
      expect(r.code).toBe(0);
      const forms = r.stdout.split('\n').filter((l) => l.includes(`lumen ${name} `) && /^\s*(Usage: )?lumen /.test(l));
      expect(forms.length).toBeGreaterThan(2);
      for (const line of forms) expect(line).toMatch(new RegExp(`^(Usage: |       )lumen ${name} `));
    }
  }, 120_000);

  it('a command name that is also an object property is an unknown command, not a crash', async () => {
    for (const name of ['constructor', 'toString']) {
      const r = await lumen([name]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`lumen: unknown command "${name}". Run "lumen --help" for the list.\n`);
    }
  }, 60_000);

  it('lumen serve refuses an unknown --backend before it serves anything', async () => {
    // Bounded: a serve that does not refuse would run until stopped.
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(__dirname, '../../bin/lumen.mjs'), 'serve', '--backend', 'foo', '--port', '0'], { env: { ...process.env, LUMEN_DATA_DIR: path.join(root, 'data') }, timeout: 45_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lumen serve: --backend must be one of tensorflow, webgpu, wasm, cpu, not "foo".\n');
  }, 60_000);
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

describe('no native noise', () => {
  // This machine (and many a server) has libvulkan.so.1 but no Vulkan driver: probing ONNX
  // Runtime's WebGPU provider in-process made Dawn print "vkCreateInstance: Found no drivers!".
  const noDriver = { VK_DRIVER_FILES: path.join(os.tmpdir(), 'lumen-no-such-icd.json') };

  it('lumen doctor prints nothing on stderr without a Vulkan driver, and says why WebGPU is not used', async () => {
    const r = await lumen(['doctor', '--json']);
    const withoutDriver = await runLumen(['doctor', '--json'], path.join(root, 'data'), noDriver);
    for (const run of [r, withoutDriver]) {
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
    }
    const webgpu = JSON.parse(withoutDriver.stdout).onnxruntime.providers.find((p: { name: string }) => p.name === 'webgpu');
    expect(webgpu.available).toBe(false);
    expect(webgpu.reason).toMatch(/no Vulkan driver \(ICD\) installed|libvulkan\.so\.1, which is not installed|this is (darwin|win32)/);
  }, 120_000);

  it('lumen doctor as text prints nothing on stderr', async () => {
    const r = await runLumen(['doctor'], path.join(root, 'data'), noDriver);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  }, 120_000);
});

describe('wording and checks found by the README walk-through', () => {
  it('lumen eval, compare and train refuse a missing library, and make none', async () => {
    const missing = path.join(root, 'no-library-here');
    for (const args of [['eval', '--model', path.join(root, 'pkg')], ['compare', '--model', path.join(root, 'a'), '--model', path.join(root, 'b')], ['train', '--variant', 'custom-phi-10', '--out', path.join(root, 'never')]]) {
      const r = await lumen([...args, '--library', missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`lumen ${args[0]}: There is no library in ${missing}. Import studies first (lumen import <folder> --library ${missing}), or check --library.\n`);
      expect(existsSync(missing)).toBe(false);
    }
  }, 120_000);

  it('lumen train checks --variant before warning about random weights', async () => {
    const r = await lumen(['train', '--variant', 'b9', '--out', path.join(root, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('Warning');
    expect(r.stderr).toMatch(/^lumen train: --variant: Unknown backbone "b9"\. Choose b0\.\.b7/);
  }, 60_000);

  it('the random-weights warning recommends the tiny network the README recommends', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain('`custom-phi-10`, listed in the app as "tiny (φ = −10)", at `--resolution 32`');
    expect(randomBackboneWarning('head', false)).toContain('backbone custom-phi-10, listed in the app as "tiny (φ = −10)"');
    expect(randomBackboneWarning('head', false)).not.toContain('custom-phi-4');
  });

  it('the random-weights warning names commands in the CLI and the panel controls in the app', () => {
    expect(randomBackboneWarning('head', false)).toContain('lumen weights import <file.h5>');
    const app = randomBackboneWarning('head', false, 'app')!;
    expect(app).not.toMatch(/lumen |<file\.h5>|custom-phi/);
    expect(app).toContain('Get ImageNet weights');
    expect(app).toContain('Backbone "tiny (φ = −10)", Mode "From scratch", Resolution 32');
    expect(randomBackboneWarning('scratch', false, 'app')).toBeNull();
  });

  it('lumen compare says which patients it compared on, for each --subset', () => {
    const r = { images: 40, patients: 8, patientsOnlyA: 2, patientsOnlyB: 1 };
    expect(comparedOnLine({ ...r, subset: 'all' })).toBe('Compared on 40 images of all 8 labelled patients (--subset all: whether either model trained on them is not checked).');
    expect(comparedOnLine({ ...r, subset: 'held-out' })).toBe('Compared on 40 images of 8 patients held out from both models; 3 patients held out from only one model left out.');
    expect(comparedOnLine({ ...r, subset: 'test', patientsOnlyA: 0, patientsOnlyB: 0 })).toBe('Compared on 40 images of 8 patients in the test split of both models.');
  });

  it('the per-patient aggregation is worded without brackets inside brackets', () => {
    for (const text of [PATIENT_AGGREGATION, SERIES_HEAD_PATIENT_AGGREGATION]) expect(`Per patient (${text})`).toMatch(/^Per patient \([^()]*\)$/);
  });

  it('the usage lines of eval, compare and train show --library as optional', async () => {
    for (const command of ['eval', 'compare', 'train']) {
      const r = await lumen([command, '--help']);
      expect(r.stdout).toContain('[--library <dir>]');
      expect(r.stdout).not.toMatch(/ --library <dir> /);
    }
  }, 120_000);

  it('lumen serve refuses a data folder it cannot create, before serving', async () => {
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const r = await lumen(['serve', '--data-dir', path.join(file, 'data')]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('serving');
    expect(r.stderr).toBe(`lumen serve: --data-dir ${path.join(file, 'data')}: ${file} is a file, not a folder.\n`);
  }, 60_000);

  it('a failed lumen weights download ends its sentence', async () => {
    const r = await runLumen(['weights', 'download', 'b0'], path.join(root, 'data'), { LUMEN_WEIGHTS_BASE_URL: 'http://127.0.0.1:1/' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\nlumen weights: .*; nothing was written\.\n$/);
  }, 60_000);
});
