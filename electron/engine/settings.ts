// settings.json in the data folder: read and checked against the contract's schema every
// time. A file that is not JSON or not valid is never overwritten silently: it is renamed
// to settings.json.corrupt-<time>, the defaults apply, and the notice says so.
import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { Settings, SettingsChange } from '../../common/contract/settings';
import { FileReadError, readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';

export { SETTINGS_FILE } from '../library/paths';
import { SETTINGS_FILE } from '../library/paths';

export class SettingsError extends Error {}

export interface LoadedSettings {
  settings: Settings;
  file: string;
  /** Why the file was not used, and where it went; null when it was fine or absent. */
  notice: string | null;
}

export const DEFAULT_SETTINGS: Settings = Settings.parse({});

/** What is wrong with a settings object, in the file's terms (field names), not the schema library's. */
function describeProblems(raw: unknown): string {
  const result = Settings.safeParse(raw);
  if (result.success) return '';
  const fields = [...new Set(result.error.issues.map((i) => (i.path.length ? i.path.join('.') : 'the whole file')))];
  return `${fields.length === 1 ? 'this value is' : 'these values are'} not valid: ${fields.join(', ')}`;
}

/** Reads <dataDir>/settings.json; a missing file gives the defaults, a bad one is put aside (see above). */
export function loadSettings(dataDir: string, now: Date = new Date()): LoadedSettings {
  const file = path.join(dataDir, SETTINGS_FILE);
  if (!existsSync(file)) return { settings: DEFAULT_SETTINGS, file, notice: null };
  let problem: string;
  try {
    const raw: unknown = JSON.parse(readRegularText(file, 'json'));
    const parsed = Settings.safeParse(raw);
    if (parsed.success) return { settings: parsed.data, file, notice: null };
    problem = describeProblems(raw);
  } catch (err) {
    if (err instanceof FileReadError) problem = err.reason;
    else problem = 'it is not valid JSON';
  }
  const aside = `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, aside);
  } catch {
    return { settings: DEFAULT_SETTINGS, file, notice: `The settings file ${file} could not be used (${problem}), nor moved aside; Lumen uses the default settings this time and leaves the file as it is.` };
  }
  return {
    settings: DEFAULT_SETTINGS,
    file,
    notice: `The settings file could not be used (${problem}). Lumen uses the default settings; the file was kept as ${path.basename(aside)} in ${dataDir}.`,
  };
}

/** Applies a change (checked against the schema) to the current settings and writes them (0600, atomically). */
export function saveSettings(dataDir: string, change: unknown): LoadedSettings {
  const parsedChange = SettingsChange.safeParse(change);
  if (!parsedChange.success) {
    const fields = parsedChange.error.issues.map((i) => (i.path.length ? i.path.join('.') : 'keys' in i && Array.isArray(i.keys) ? i.keys.join(', ') : 'settings'));
    throw new SettingsError(`Settings not changed: not a valid value for ${[...new Set(fields)].join(', ')}.`);
  }
  const current = loadSettings(dataDir);
  const next = Settings.parse({ ...current.settings, ...parsedChange.data });
  ensurePrivateDir(dataDir);
  writeFileAtomic(current.file, JSON.stringify(next, null, 2) + '\n');
  return { settings: next, file: current.file, notice: current.notice };
}
