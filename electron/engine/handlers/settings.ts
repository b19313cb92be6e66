import path from 'node:path';
import type { DoctorReport } from '../../../common/contract';
import { BACKEND_CHOICES, type SettingsState } from '../../../common/contract/settings';
import type { Handlers } from '../../../common/rpc';
import { KERAS_EFFICIENTNET_FILES, KERAS_WEIGHTS_BASE_URL } from '../../../models/weights';
import { dataFolderSetting, platformDataDir, SETTINGS_FILE } from '../../library/paths';
import { importImagenetWeights, listImagenetWeights } from '../../training/imagenet';
import { downloadImagenetWeights } from '../../training/weights-download';
import { checkFullPath } from '../access';
import { saveSettings, SettingsError, type LoadedSettings } from '../settings';
import type { EngineDeps } from './context';

export interface SettingsDeps extends EngineDeps {
  /** What `lumen doctor` finds (probed once per engine). */
  probe: () => Promise<DoctorReport>;
  /** loadSettings, keeping the notice of the first read (a bad file is put aside then). */
  readSettings: () => LoadedSettings;
  /** A message from applying the settings at start (e.g. a chosen backend that is not available). */
  startNotice: () => string | null;
}

export function settingsHandlers(deps: SettingsDeps): Partial<Handlers> {
  const state = async (loaded: LoadedSettings): Promise<SettingsState> => {
    const notice = deps.readSettings().notice;
    const report = await deps.probe();
    // What the next start opens (library/paths.ts defaultDataDir), read again each time: the choice lives in the platform's folder.
    const fromEnv = process.env.LUMEN_DATA_DIR ? path.resolve(process.env.LUMEN_DATA_DIR) : null;
    const home = platformDataDir();
    const byName = new Map(report.backends.map((b) => [b.name as string, b]));
    return {
      settings: loaded.settings,
      file: loaded.file,
      dataDir: deps.dataDir,
      nextDataDir: fromEnv ?? dataFolderSetting(home) ?? home,
      dataFolderFile: fromEnv ? null : path.join(home, SETTINGS_FILE),
      notice: [notice, deps.startNotice()].filter(Boolean).join(' ') || null,
      backends: BACKEND_CHOICES.map((name) => {
        if (name === 'auto') return { name, available: true, reason: `the best backend this machine has (now ${report.activeBackend ?? 'none'})` };
        const probe = byName.get(name);
        return { name, available: probe?.available ?? false, reason: probe?.reason ?? 'not probed' };
      }),
      activeBackend: report.activeBackend,
    };
  };

  return {
    'settings.get': () => state(deps.readSettings()),
    'settings.set': ({ change: typed }, ctx) => {
      const change = { ...typed };
      if (typed.dataFolder !== undefined) {
        // The data folder is found before any settings are read: its pointer lives in the platform's folder.
        if (process.env.LUMEN_DATA_DIR) throw new SettingsError(`The data folder is set by LUMEN_DATA_DIR (${deps.dataDir}) for this Lumen; change that variable instead.`);
        const home = platformDataDir();
        // Read as every path box is (quotes, a file:// URL, ~: access.ts typedPath), and a full path from the desktop app too;
        // through the browser, a folder Lumen will write its library into is one that session may write.
        const dataFolder = typed.dataFolder === null ? null : checkFullPath(typed.dataFolder, 'write', 'data folder', ctx.access ?? 'everywhere', deps.dataDir);
        change.dataFolder = dataFolder;
        if (path.resolve(home) !== path.resolve(deps.dataDir)) saveSettings(home, { dataFolder });
      }
      return state(saveSettings(deps.dataDir, change));
    },
    'weights.list': () => ({
      imported: listImagenetWeights(deps.dataDir),
      published: KERAS_EFFICIENTNET_FILES.filter((f) => !f.includeTop).map((f) => ({ variant: f.variant, file: f.file, url: new URL(f.file, KERAS_WEIGHTS_BASE_URL).toString(), md5: f.md5 })),
    }),
    'weights.import': ({ file, variant }, ctx) =>
      deps.jobs.start('weights.import', ctx, async (job) => {
        job.progress(null, `Checking ${path.basename(file)}`);
        return importImagenetWeights({ dataDir: deps.dataDir, file, variant, onProgress: (m) => job.progress(null, m) });
      }),
    'weights.download': ({ variant }, ctx) =>
      deps.jobs.start('weights.download', ctx, async (job) =>
        downloadImagenetWeights({
          dataDir: deps.dataDir,
          variant,
          baseUrl: process.env.LUMEN_WEIGHTS_BASE_URL || undefined,
          signal: job.signal,
          onProgress: (p) => job.progress(p.phase === 'download' && p.total ? p.received / p.total : null, p.message, { received: p.received, total: p.total, resumedFrom: p.resumedFrom }),
        }),
      ),
  };
}
