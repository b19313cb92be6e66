// Settings (Ctrl+,): theme, the inference backend (each with why it is or is not available
// here, as `lumen doctor` finds), the window a CT series opens with, and the data folder.
// Every change is saved at once to settings.json in the data folder; a data folder choice
// also to the platform folder's settings.json, where the next start looks (library/paths.ts),
// and the dialog says what that start opens.
import { useState } from 'react';
import { CT_WINDOW_CHOICES, type Settings, type SettingsState } from '../../../common/contract/settings';
import type { RequestInput } from '../../../common/contract';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import { PacsSettings } from '../pacs/PacsSettings';
import { errorMessage } from '../../../common/errors';
import { VOI_PRESETS } from '../../../common/voi';

/** The file's own window, else the preset's name as the viewer's toolbar shows it (common/voi.ts). */
function windowName(id: (typeof CT_WINDOW_CHOICES)[number]): string {
  return id === 'file' ? "The file's own window" : (VOI_PRESETS.CT.find((p) => p.id === id)?.name ?? id);
}

export function SettingsDialog({ state, onSaved, onClose }: { state: SettingsState; onSaved: (s: SettingsState) => void; onClose: () => void }) {
  const dialog = useModalDialog<HTMLElement>(onClose);
  const [error, setError] = useState<string | null>(null);
  const [folder, setFolder] = useState(state.settings.dataFolder ?? '');
  const { settings } = state;
  const change = async (c: RequestInput<'settings.set'>['change']): Promise<SettingsState | null> => {
    setError(null);
    try {
      const saved = await lumen.invoke('settings.set', { change: c });
      onSaved(saved);
      return saved;
    } catch (err) {
      setError(errorMessage(err));
      return null;
    }
  };
  const radio = <K extends 'theme' | 'backend'>(key: K, value: Settings[K]) => ({ checked: settings[key] === value, onChange: () => void change({ [key]: value }) });

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal settings-dialog" role="dialog" aria-modal="true" aria-labelledby="settings-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header" role="none">
          <h2 id="settings-title">Settings</h2>
          <button className="icon-button" title="Close (Esc)" onClick={onClose} data-autofocus>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        {state.notice && <div className="banner warning" role="alert">{state.notice}</div>}
        {error && <div className="banner error" role="alert">{error}</div>}

        <h3 id="settings-theme">Theme</h3>
        <div className="row" role="radiogroup" aria-labelledby="settings-theme">
          <label><input type="radio" name="theme" {...radio('theme', 'dark')} /> Dark (reading room)</label>
          <label><input type="radio" name="theme" {...radio('theme', 'light')} /> Light</label>
        </div>

        <h3 id="settings-backend">Inference backend <span className="muted small">(from the next start; now {state.activeBackend ?? 'none'})</span></h3>
        <table className="backend-table" role="radiogroup" aria-labelledby="settings-backend">
          <tbody>
            {state.backends.map((b) => (
              <tr key={b.name} className={b.available ? 'ok' : 'missing'}>
                <td>
                  <input type="radio" name="backend" id={`backend-${b.name}`} disabled={!b.available && settings.backend !== b.name} {...radio('backend', b.name)} />
                </td>
                <td><label htmlFor={`backend-${b.name}`}>{b.name === 'auto' ? 'Automatic' : b.name}</label></td>
                <td>{b.available ? '' : 'Not available: '}{b.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>

        <h3><label htmlFor="settings-ct-window">CT series open with</label></h3>
        <select id="settings-ct-window" value={settings.defaultWindow.CT} onChange={(e) => void change({ defaultWindow: { CT: e.target.value as Settings['defaultWindow']['CT'] } })}>
          {CT_WINDOW_CHOICES.map((w) => <option key={w} value={w}>{windowName(w)}</option>)}
        </select>

        <h3><label htmlFor="settings-data-folder">Data folder</label></h3>
        <p className="muted small">
          Now <span className="mono" data-testid="settings-data-dir">{state.dataDir}</span>. Library, models, weights and these settings live here; it holds patient data.
          A new folder is used from the next start (Lumen does not move the old one).
        </p>
        {state.nextDataDir !== state.dataDir && (
          <p className="small">
            From the next start: <span className="mono" data-testid="settings-next-data-dir">{state.nextDataDir}</span>
          </p>
        )}
        <p className="muted small">
          {state.dataFolderFile === null ? (
            <>LUMEN_DATA_DIR sets the data folder; change that variable to use another.</>
          ) : (
            <>
              This choice is kept in <span className="mono" data-testid="settings-data-folder-file">{state.dataFolderFile}</span>.
            </>
          )}
        </p>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            // Sent as typed (quotes, a file:// URL, ~): the engine reads it as the import box's, and the field shows the folder it kept.
            void change({ dataFolder: folder.trim() ? folder.trim() : null }).then((saved) => saved && setFolder(saved.settings.dataFolder ?? ''));
          }}
        >
          <input id="settings-data-folder" className="text-input" placeholder="the platform's folder" value={folder} onChange={(e) => setFolder(e.target.value)} spellCheck={false} />
          <button type="submit" className="text-button">Use from next start</button>
        </form>
        <p className="muted small">
          {state.dataFolderFile !== null && state.dataFolderFile !== state.file ? 'The other settings are saved in ' : 'Saved in '}
          <span className="mono">{state.file}</span>.
        </p>

        <h3 id="settings-pacs">PACS connections</h3>
        <PacsSettings />
      </section>
    </div>
  );
}
