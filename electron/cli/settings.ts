import { defaultDataDir, platformDataDir } from '../library/paths';
import { loadSettings, saveSettings, SettingsError } from '../engine/settings';
import { BACKEND_CHOICES, CT_WINDOW_CHOICES, THEMES } from '../../common/contract/settings';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { checkUserPath } from '../../common/node/user-path';

const KEYS = ['theme', 'backend', 'defaultWindow.CT', 'dataFolder'] as const;

/** What each setting takes, for the message when a value is refused. */
const CHOICES: Record<(typeof KEYS)[number], string> = {
  theme: `one of ${THEMES.join(', ')}`,
  backend: `one of ${BACKEND_CHOICES.join(', ')}`,
  'defaultWindow.CT': `one of ${CT_WINDOW_CHOICES.join(', ')}`,
  dataFolder: 'an absolute path, or default',
};

/** "defaultWindow.CT" "ct-lung" -> { defaultWindow: { CT: 'ct-lung' } }; "dataFolder" "default" -> null. */
function changeFor(key: string, value: string): Record<string, unknown> {
  if (key === 'defaultWindow.CT') return { defaultWindow: { CT: value } };
  if (key === 'dataFolder') return { dataFolder: value === 'default' ? null : value };
  return { [key]: value };
}

export const command: Command = {
  summary: 'Show or change the settings (settings.json in the data folder): theme, backend, default CT window, data folder.',
  usage: `lumen settings get [key] [--json]\n       lumen settings set <key> <value> [--json]   (keys: ${KEYS.join(', ')}; dataFolder "default" resets it)`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const [sub, key, value, ...extra] = positionals;
    const dataDir = defaultDataDir();
    if (extra.length) throw new CliError(`unexpected arguments: ${extra.join(' ')}`, 2);
    if (key !== undefined && !(KEYS as readonly string[]).includes(key)) throw new CliError(`unknown setting "${key}"; settings: ${KEYS.join(', ')}`, 2);
    const pick = (s: Record<string, unknown>) => (key === 'defaultWindow.CT' ? (s.defaultWindow as { CT: string }).CT : key ? s[key] : s);

    if (sub === 'get') {
      const loaded = loadSettings(dataDir);
      if (loaded.notice) process.stderr.write(`${loaded.notice}\n`);
      const shown = pick(loaded.settings);
      if (values.json) printJson(key ? { [key]: shown } : { ...loaded.settings, file: loaded.file });
      else process.stdout.write(`${typeof shown === 'string' || shown === null ? String(shown) : JSON.stringify(shown, null, 2)}\n`);
      return 0;
    }
    if (sub === 'set') {
      if (key === undefined || value === undefined) throw new CliError('lumen settings set <key> <value>', 2);
      try {
        if (key === 'dataFolder') {
          if (process.env.LUMEN_DATA_DIR) throw new CliError(`LUMEN_DATA_DIR sets the data folder (${dataDir}); change that variable instead.`);
          if (value !== 'default') checkUserPath(value, 'output-folder', 'the data folder');
          const home = platformDataDir();
          if (home !== dataDir) saveSettings(home, changeFor(key, value));
        }
        const saved = saveSettings(dataDir, changeFor(key, value));
        if (saved.notice) process.stderr.write(`${saved.notice}\n`);
        if (values.json) printJson({ [key]: pick(saved.settings) });
        else process.stdout.write(`${key} = ${JSON.stringify(pick(saved.settings))}${key === 'backend' || key === 'dataFolder' ? ' (used from the next start of the app)' : ''}\n`);
        return 0;
      } catch (err) {
        if (err instanceof SettingsError) throw new CliError(`${err.message} ${key} takes ${CHOICES[key as (typeof KEYS)[number]]}.`, 2);
        throw err;
      }
    }
    throw new CliError(`${sub ? `unknown action "${sub.slice(0, 40)}"` : 'name an action'}; one of get, set.`, 2);
  },
};
