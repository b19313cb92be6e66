// The Settings dialog's data folder, as people paste it: in quotes, as a file:// URL, from ~.
// It is read by the one function that reads every other path box (access.ts typedPath), with
// the same messages: "'/home/me/lumen data'" was refused as not an absolute path, a file URL
// and ~/x likewise, while the import box took them. Through the engine's real handler.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { PathAccess, RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';

const START = process.platform === 'win32' ? 'a drive letter' : '/';

describe('settings.set dataFolder, as typed', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lumen-settings-folder-'));
  const dataDir = path.join(root, 'data');
  const chosen = path.join(root, 'chosen');
  const platformSettings = path.join(root, 'xdg', 'lumen', 'settings.json');
  const xdgBefore = process.env.XDG_DATA_HOME;
  const envBefore = process.env.LUMEN_DATA_DIR;
  let engine: ReturnType<typeof createEngine>;
  beforeAll(() => {
    mkdirSync(dataDir);
    mkdirSync(chosen);
    process.env.XDG_DATA_HOME = path.join(root, 'xdg');
    delete process.env.LUMEN_DATA_DIR;
    engine = createEngine({ dataDir, shell: 'cli' });
  });
  afterAll(() => {
    engine?.dispose();
    if (xdgBefore === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = xdgBefore;
    if (envBefore !== undefined) process.env.LUMEN_DATA_DIR = envBefore;
    rmSync(root, { recursive: true, force: true });
  });

  /** settings.set of the data folder, through the bridge (a session that imported `chosen`) or the desktop app. */
  const set = async (dataFolder: string | null, access: PathAccess = { roots: [chosen] }) => {
    const ctx: RequestContext = { emit: <K extends EventName>(_e: K, _p: EventPayload<K>) => {}, access };
    const reply = await engine.dispatch('settings.set', { change: { dataFolder } }, ctx);
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value as { settings: { dataFolder: string | null }; nextDataDir: string };
  };
  const kept = () => (existsSync(platformSettings) ? JSON.parse(readFileSync(platformSettings, 'utf8')).dataFolder : undefined);

  it('reads quotes, a file URL and ~ as the import box does, and keeps the path they mean', async () => {
    const spaced = path.join(chosen, 'lumen data');
    for (const typed of [`'${spaced}'`, `"${spaced}"`, `  "${spaced}"  `, pathToFileURL(spaced).href, `file://localhost${pathToFileURL(spaced).pathname}`]) {
      await set(null);
      const state = await set(typed);
      expect(state.settings.dataFolder, typed).toBe(spaced);
      expect(state.nextDataDir, typed).toBe(spaced);
      expect(kept(), typed).toBe(spaced);
    }
    const accented = path.join(chosen, 'été x');
    expect((await set(pathToFileURL(accented).href)).settings.dataFolder).toBe(accented);
    // The desktop app may name any folder: ~ is its user's home.
    expect((await set('~/lumen-elsewhere', 'everywhere')).settings.dataFolder).toBe(path.join(os.homedir(), 'lumen-elsewhere'));
    expect(kept()).toBe(path.join(os.homedir(), 'lumen-elsewhere'));
    expect(existsSync(path.join(os.homedir(), 'lumen-elsewhere'))).toBe(false);
    expect((await set(null)).settings.dataFolder).toBeNull();
    expect(kept()).toBeNull();
  });

  it('refuses with the import box\'s words, and changes nothing', async () => {
    const before = path.join(chosen, 'before');
    await set(before);
    const refusals: [string, PathAccess, string][] = [
      ['lumen-data', { roots: [chosen] }, `The data folder lumen-data is not a full path. Type the full path, starting with ${START}.`],
      ["'lumen data'", { roots: [chosen] }, `The data folder lumen data is not a full path. Type the full path, starting with ${START}.`],
      ['lumen-data', 'everywhere', `The data folder lumen-data is not a full path. Type the full path, starting with ${START}.`],
      ['file://fileserver/share/lumen', { roots: [chosen] }, "The data folder file://fileserver/share/lumen is on another computer (fileserver): Lumen reads only this computer's files. Copy them here, or mount the share and type its path."],
      ['~/lumen-data', { roots: [chosen] }, `The data folder ${path.join(os.homedir(), 'lumen-data')} is outside the folders this browser session may use`],
      // As the import box: the contract refuses a control character before the engine reads the path.
      [`${chosen}/a\u0007b`, { roots: [chosen] }, 'change.dataFolder: contains a control character'],
    ];
    for (const [typed, access, words] of refusals) {
      await expect(set(typed, access), typed).rejects.toThrow(words);
      expect(kept(), typed).toBe(before);
    }
  });
});
