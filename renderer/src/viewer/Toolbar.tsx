// The viewer's toolbar: the tools (tools/), the window presets, the view commands and cine;
// and the keys that pick a tool or a preset (the workspace handles the other keys).
import { useEffect } from 'react';
import type { VoiWindow } from '../../../common/contract/library';
import { CT_PRESET_KEYS } from '../../../common/voi';
import { TOOLS, type ToolId } from './tools';
import type { ViewState } from './transform';
import type { ViewCommand } from './useViewTransform';
import { firstPresetName } from './window';
import { MoreViewCommands } from './MoreViewCommands';

/** The CT presets on keys 2–6, in reading-room order (common/voi.ts, as the engine offers them). */
const PRESET_ORDER: readonly string[] = CT_PRESET_KEYS;

/** Why the preset menu is off for a colour frame (its title). */
export const COLOUR_PRESET_TITLE = 'Window presets apply to greyscale images: a colour image is shown as stored';

/**
 * W, P, Z, L… pick a tool; 1 the file's window (or the full range) and 2–6 the CT presets, while `presetKeys` and
 * the shown frame is greyscale (`colour`: a colour image is never windowed, tools/windowLevel.ts).
 */
export function useToolKeys(opts: { onTool: (id: ToolId) => void; windows: VoiWindow[]; onPreset: (id: string) => void; presetKeys: boolean; colour: boolean }) {
  const { onTool, windows, onPreset, presetKeys, colour } = opts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key;
      const toolKey = TOOLS.find((x) => x.key.toLowerCase() === k.toLowerCase());
      if (toolKey) return void (e.preventDefault(), onTool(toolKey.id));
      if (presetKeys && !colour && /^[1-6]$/.test(k)) {
        const id = k === '1' ? 'file' : PRESET_ORDER[Number(k) - 2];
        if (id === 'file' || windows.some((w) => w.id === id)) {
          e.preventDefault();
          onPreset(id);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onTool, windows, onPreset, presetKeys, colour]);
}

/**
 * An icon button's face: the glyph drawn and hidden from assistive technology, the name in words
 * for it in a visually hidden span (as the dialogs' Close buttons have it), so the name a screen
 * reader reads and a speech user says is the words, never the glyph (WCAG 2.5.3, 4.1.2).
 */
function IconName({ icon, name }: { icon: string; name: string }) {
  return (
    <>
      <span aria-hidden="true">{icon}</span>
      <span className="visually-hidden">{name}</span>
    </>
  );
}

export function Toolbar(props: {
  tool: ToolId;
  onTool: (id: ToolId) => void;
  windows: VoiWindow[];
  preset: string;
  onPreset: (id: string) => void;
  /** Whether the digit keys pick presets (shown beside their names). */
  presetKeys: boolean;
  /** The shown frame is colour: no window applies, so the preset menu is off. */
  colour: boolean;
  view: ViewState | null;
  onCommand: (name: ViewCommand | 'cine') => void;
  cine: boolean;
  fps: number;
  onFps: (fps: number) => void;
  /** Images in the series: cine and its speed show only where there is more than one. */
  count: number;
}) {
  const { tool, onTool, windows, preset, onPreset, view, onCommand: command, cine, colour } = props;
  const presetKeys = props.presetKeys && !colour;
  // The file's own windows (Window Center/Width, "file-<n>"), in the file's order.
  const own = windows.filter((w) => w.id.startsWith('file-'));
  return (
    // Four groups, each kept on one row: a narrow viewer wraps the toolbar between groups, never
    // inside one (Play cine beside its speed), so a second row holds whole groups. A group ends
    // with its separator, so no row starts with one. One row at 1280 px with both side panels
    // shown: actual size, invert, rotate and the flips are under More view commands (their keys
    // stay A, I, R, X, Y).
    <div className="viewer-toolbar" role="toolbar" aria-label="Viewer tools">
      <span className="tool-group">
        {TOOLS.map((t) => (
          <button key={t.id} className={`tool${tool === t.id ? ' active' : ''}`} aria-pressed={tool === t.id} title={`${t.label} (${t.key})`} onClick={() => onTool(t.id)}>
            <IconName icon={t.icon} name={t.label} />
          </button>
        ))}
        <span className="sep" />
      </span>
      <span className="tool-group">
        <label className="tool-select" title={colour ? COLOUR_PRESET_TITLE : undefined}>
          <span className="visually-hidden">Window preset</span>
          <select aria-label="Window preset" value={preset} onChange={(e) => onPreset(e.target.value)} data-testid="preset" disabled={colour} title={colour ? COLOUR_PRESET_TITLE : undefined}>
            {/* The file's first window is "file" (key 1), "Full range" where the file has none; a file with several names each by its explanation, the rest after it. */}
            <option value="file">{firstPresetName(windows)}{presetKeys ? ' (1)' : ''}</option>
            {own.slice(1).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
            {PRESET_ORDER.filter((id) => windows.some((w) => w.id === id)).map((id) => (
              <option key={id} value={id}>
                {windows.find((w) => w.id === id)!.name}{presetKeys ? ` (${PRESET_ORDER.indexOf(id) + 2})` : ''}
              </option>
            ))}
            {windows
              .filter((w) => !PRESET_ORDER.includes(w.id) && !w.id.startsWith('file-'))
              .map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            {preset === 'custom' && <option value="custom">Custom</option>}
          </select>
        </label>
        <span className="sep" />
      </span>
      <span className="tool-group">
        <button className="tool" title="Fit (F)" onClick={() => command('fit')}>
          <IconName icon="⤢" name="Fit to window" />
        </button>
        <button className="tool" title="Reset (Shift+R)" onClick={() => command('reset')}>
          <IconName icon="⟲" name="Reset view" />
        </button>
        <MoreViewCommands view={view} onCommand={command} />
        {props.count > 1 && <span className="sep" />}
      </span>
      {props.count > 1 && (
        <span className="tool-group">
          <button className={`tool${cine ? ' active' : ''}`} aria-pressed={cine} title="Cine (Space)" onClick={() => command('cine')}>
            <IconName icon={cine ? '■' : '▶'} name={cine ? 'Stop cine' : 'Play cine'} />
          </button>
          <label className="fps">
            <input type="number" min={1} max={60} value={props.fps} aria-label="Cine frames per second" onChange={(e) => props.onFps(Math.min(60, Math.max(1, Number(e.target.value) || 1)))} />
            fps
          </label>
        </span>
      )}
    </div>
  );
}
