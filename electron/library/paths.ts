import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Settings } from '../../common/contract/settings';
import { readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir } from '../../common/node/safe-fs';
import { isReadOnlyDisk } from '../../common/node/fs-errors';

/**
 * Where Lumen keeps its data (library, model packages, caches):
 * $LUMEN_DATA_DIR when set, else the platform's convention —
 * Linux: $XDG_DATA_HOME/lumen or ~/.local/share/lumen;
 * macOS: ~/Library/Application Support/Lumen; Windows: %APPDATA%\Lumen.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.LUMEN_DATA_DIR) return path.resolve(env.LUMEN_DATA_DIR);
  const own = platformDataDir(env, platform);
  // The Settings dialog's "data folder": kept in the platform folder's settings.json.
  return dataFolderSetting(own) ?? own;
}

/** The settings file's name in a data folder (electron/engine/settings.ts reads and writes it). */
export const SETTINGS_FILE = 'settings.json';

/** The library's SQLite file in its folder (here, not in library.ts, so that a check for it loads no SQLite). */
export const LIBRARY_FILE = 'library.sqlite';

/** The data folder a settings file in the platform's folder points to, or null; a bad file is ignored here (the app reports it). */
export function dataFolderSetting(platformDir: string): string | null {
  const file = path.join(platformDir, SETTINGS_FILE);
  if (!existsSync(file)) return null;
  try {
    const parsed = Settings.safeParse(JSON.parse(readRegularText(file, 'json')));
    return parsed.success ? parsed.data.dataFolder : null;
  } catch {
    return null;
  }
}

/** The platform's own data folder, ignoring LUMEN_DATA_DIR and the data folder setting. */
export function platformDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Lumen');
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Lumen');
  }
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'lumen');
  return path.join(home, '.local', 'share', 'lumen');
}

/** The library folder (library.sqlite and thumbnails/) inside the data folder. */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const dataDir = defaultDataDir(env, platform);
  return platform === 'win32' && !env.LUMEN_DATA_DIR ? path.win32.join(dataDir, 'library') : path.join(dataDir, 'library');
}

/**
 * Creates the data folder private to the user (0700, whatever the umask: it holds patient
 * data), or tightens an existing one, and returns it. What Lumen writes inside is 0700/0600
 * too (common/node/safe-fs.ts). One on a read-only disk (a copy on a disc) keeps the modes it
 * has: it is only viewed there, and nothing can change them.
 */
export function openDataDir(dir: string): string {
  if (existsSync(dir) && isReadOnlyDisk(dir)) return dir;
  ensurePrivateDir(dir);
  return dir;
}
