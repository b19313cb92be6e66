// Settings: settings.json in the data folder, checked on every read; a bad file falls back to
// the defaults with a notice and is kept aside, never overwritten. Through the real engine
// and the real `lumen settings` command.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { DEFAULT_SETTINGS, loadSettings, saveSettings } from '../../electron/engine/settings';
import { defaultDataDir } from '../../electron/library/paths';

const run = promisify(execFile);
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-settings-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = (name: string) => mkdtempSync(path.join(root, `${name}-`));

describe('settings.json', () => {
  it('gives the defaults when absent, and round-trips a change privately, keeping the other settings', () => {
    const dir = fresh('roundtrip');
    expect(loadSettings(dir)).toEqual({ settings: DEFAULT_SETTINGS, file: path.join(dir, 'settings.json'), notice: null });
    expect(DEFAULT_SETTINGS).toEqual({ theme: 'dark', backend: 'auto', defaultWindow: { CT: 'file' }, dataFolder: null, welcomeDismissed: false });
    saveSettings(dir, { theme: 'light' });
    saveSettings(dir, { defaultWindow: { CT: 'ct-lung' } });
    expect(loadSettings(dir).settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', defaultWindow: { CT: 'ct-lung' } });
    expect(statSync(path.join(dir, 'settings.json')).mode & 0o777).toBe(0o600);
  });

  it('a corrupt file: defaults, a notice, and the file kept aside as settings.json.corrupt-<time>, not overwritten', () => {
    const dir = fresh('corrupt');
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, '{"theme": "light", ');
    const loaded = loadSettings(dir, new Date('2026-12-05T13:14:15.678Z'));
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.notice).toBe(`The settings file could not be used (it is not valid JSON). Lumen uses the default settings; the file was kept as settings.json.corrupt-2026-12-05T13-14-15-678Z in ${dir}.`);
    expect(readFileSync(path.join(dir, 'settings.json.corrupt-2026-12-05T13-14-15-678Z'), 'utf8')).toBe('{"theme": "light", ');
    expect(existsSync(file)).toBe(false);
    // A later change writes a new file; the kept one stays as it was.
    saveSettings(dir, { theme: 'light' });
    expect(loadSettings(dir).settings.theme).toBe('light');
    expect(readdirSync(dir).sort()).toEqual(['settings.json', 'settings.json.corrupt-2026-12-05T13-14-15-678Z']);
  });

  it('invalid values are named in the notice; an invalid change is refused and changes nothing', () => {
    const dir = fresh('invalid');
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ theme: 'pink', backend: 'cuda', defaultWindow: { CT: 'ct-lung' }, dataFolder: null }));
    const loaded = loadSettings(dir, new Date('2026-01-01T00:00:00Z'));
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.notice).toContain('could not be used (these values are not valid: theme, backend)');
    expect(loaded.notice).toContain('settings.json.corrupt-2026-01-01T00-00-00-000Z');

    saveSettings(dir, { theme: 'light' });
    const before = readFileSync(path.join(dir, 'settings.json'), 'utf8');
    expect(() => saveSettings(dir, { theme: 'pink' })).toThrow('Settings not changed: not a valid value for theme.');
    expect(() => saveSettings(dir, { colour: 'red' })).toThrow('Settings not changed: not a valid value for colour.');
    expect(() => saveSettings(dir, { dataFolder: 'relative/path' })).toThrow('not a valid value for dataFolder');
    expect(readFileSync(path.join(dir, 'settings.json'), 'utf8')).toBe(before);
  });

  it('the data folder setting in the platform folder moves the data folder; LUMEN_DATA_DIR still wins', () => {
    const home = fresh('home');
    const platformDir = path.join(home, '.local', 'share', 'lumen');
    mkdirSync(platformDir, { recursive: true });
    const elsewhere = path.join(root, 'elsewhere');
    const env = { HOME: home } as NodeJS.ProcessEnv;
    expect(defaultDataDir(env, 'linux')).toBe(platformDir);
    saveSettings(platformDir, { dataFolder: elsewhere });
    expect(defaultDataDir(env, 'linux')).toBe(elsewhere);
    expect(defaultDataDir({ ...env, LUMEN_DATA_DIR: '/tmp/given' }, 'linux')).toBe('/tmp/given');
    // A corrupt pointer is ignored here (the app reports it when it reads the file).
    writeFileSync(path.join(platformDir, 'settings.json'), 'not json');
    expect(defaultDataDir(env, 'linux')).toBe(platformDir);
  });
});

describe('settings through the engine and the CLI', () => {
  it('settings.get says which backends this machine has and why; set checks its input; the notice reaches the app', async () => {
    const dataDir = fresh('engine');
    writeFileSync(path.join(dataDir, 'settings.json'), '[1, 2');
    const engine = createEngine({ dataDir, shell: 'cli' });
    const ctx: RequestContext = { emit: <K extends EventName>(_e: K, _p: EventPayload<K>) => {} };
    const call = async (method: string, input: unknown) => {
      const reply = await engine.dispatch(method, input, ctx);
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value as any;
    };
    try {
      const state = await call('settings.get', {});
      expect(state.settings).toEqual(DEFAULT_SETTINGS);
      expect(state.notice).toMatch(/^The settings file could not be used \(it is not valid JSON\)/);
      const doctor = await call('engine.doctor', {});
      expect(state.backends.map((b: { name: string }) => b.name)).toEqual(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
      for (const b of doctor.backends) expect(state.backends.find((s: { name: string }) => s.name === b.name)).toEqual({ name: b.name, available: b.available, reason: b.reason });
      expect(state.activeBackend).toBe(doctor.activeBackend);

      const changed = await call('settings.set', { change: { theme: 'light', backend: 'cpu' } });
      expect(changed.settings).toMatchObject({ theme: 'light', backend: 'cpu' });
      expect(JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ theme: 'light', backend: 'cpu' });
      await expect(call('settings.set', { change: { theme: 'pink' } })).rejects.toThrow(/theme/);
      expect(JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')).theme).toBe('light');
    } finally {
      engine.dispose();
    }
  }, 120_000);

  it('the engine starts on the backend Settings name; one that cannot start is reported, not fatal', async () => {
    const ctx: RequestContext = { emit: <K extends EventName>(_e: K, _p: EventPayload<K>) => {} };
    const start = async (backend: string) => {
      const dataDir = fresh(`backend-${backend}`);
      writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ backend }));
      const engine = createEngine({ dataDir, shell: 'cli' });
      const call = async (method: string) => {
        const reply = await engine.dispatch(method, {}, ctx);
        if (!reply.ok) throw new Error(reply.error.message);
        return reply.value as any;
      };
      try {
        return { info: await call('app.info'), state: await call('settings.get') };
      } finally {
        engine.dispose();
      }
    };
    const cpu = await start('cpu');
    expect(cpu.info.engine.activeBackend).toBe('cpu');
    expect(cpu.state.notice).toBeNull();
    // tfjs-node cannot be installed here: the choice is kept, the engine runs on another backend and says why.
    const tensorflow = await start('tensorflow');
    expect(tensorflow.state.settings.backend).toBe('tensorflow');
    expect(tensorflow.info.engine.activeBackend).not.toBe('tensorflow');
    expect(tensorflow.state.notice).toMatch(/^The backend chosen in Settings \(tensorflow\) could not start \(.*not installed.*\); the engine uses the best available one\.$/);
  }, 120_000);

  it('lumen settings set and get, as JSON; a bad value exits 2 with a message', async () => {
    const dataDir = fresh('cli');
    const env = { ...process.env, LUMEN_DATA_DIR: dataDir };
    const lumen = (...args: string[]) => run(process.execPath, ['bin/lumen.mjs', 'settings', ...args], { env, timeout: 60_000 });
    expect(JSON.parse((await lumen('set', 'theme', 'light', '--json')).stdout)).toEqual({ theme: 'light' });
    expect(JSON.parse((await lumen('set', 'defaultWindow.CT', 'ct-bone', '--json')).stdout)).toEqual({ 'defaultWindow.CT': 'ct-bone' });
    expect(JSON.parse((await lumen('get', '--json')).stdout)).toMatchObject({ theme: 'light', backend: 'auto', defaultWindow: { CT: 'ct-bone' } });
    expect((await lumen('get', 'theme')).stdout).toBe('light\n');
    const bad = await lumen('set', 'theme', 'pink').catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Settings not changed: not a valid value for theme.');
  }, 120_000);
});
