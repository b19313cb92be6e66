import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { Measurement } from '../../../common/contract/measurements';
import type { LoadedFrame } from './image';
import { KIND_NAMES, measurementText } from './measurementText';
import './measurements.css';

/** Where the keyboard's focus goes once the list has changed: a row's pick or delete button, or the Undo. */
type FocusTarget = { id: string; part: 'pick' | 'delete' } | 'undo';

/**
 * The measurements on the image shown, under the corner text, each numbered within its kind
 * with what it reads ("Ellipse 1: Area 120.3 mm² · mean 40.2 ..."): a click on one picks it
 * (as a click on its outline does), its ✕ deletes it. A failed save says so here.
 *
 * From the keyboard: Tab reaches each row's pick and ✕ buttons, Enter or Space presses them
 * (Space is the button's here, not cine); Delete or Backspace deletes the selected measurement,
 * as anywhere in the viewer. The focus never drops to the page: after a delete from the list it
 * goes to the next row (else the one before, else Undo), after Undo to the measurement brought
 * back, after Dismiss to the control it came from in the list (else the last row, else Undo,
 * else the viewer's chosen tool).
 */
export function MeasurementList(props: {
  items: Measurement[];
  selected: string | null;
  /** The frame shown: regions and probes read its values (modality units). */
  frame: LoadedFrame | null;
  onSelect: (id: string | null) => void;
  onDelete: (id: string) => void;
  /** The measurement just deleted on this image: offered back with one click (as Ctrl+Z does). */
  deleted?: Measurement | null;
  onUndo?: () => void;
  error: string | null;
  onDismissError: () => void;
}) {
  const { items, selected, deleted } = props;
  const root = useRef<HTMLDivElement>(null);
  const focusNext = useRef<FocusTarget | null>(null);
  // Once the list shows the change, the focus goes where the keyboard user expects it.
  useEffect(() => {
    const target = focusNext.current;
    if (!target) return;
    const el = root.current?.querySelector<HTMLElement>(target === 'undo' ? '.measure-undo-button' : `[data-measurement="${CSS.escape(target.id)}"] .measure-${target.part}`);
    if (el) {
      focusNext.current = null;
      el.focus();
    }
  }, [items, deleted]);

  const remove = (id: string, part: 'pick' | 'delete') => {
    const i = items.findIndex((m) => m.id === id);
    const next = items[i + 1] ?? items[i - 1];
    focusNext.current = next ? { id: next.id, part } : 'undo';
    props.onDelete(id);
  };
  // The control the focus came to Dismiss from: it goes back there once the message is gone.
  const beforeDismiss = useRef<HTMLElement | null>(null);
  const dismiss = () => {
    const list = root.current;
    const from = beforeDismiss.current;
    const had = !!list?.querySelector('.measure-error')?.contains(document.activeElement);
    const target =
      (from && from.isConnected && list?.contains(from) && !from.closest('.measure-error') ? from : null) ??
      list?.querySelector<HTMLElement>('.measure-list li:last-child .measure-pick') ??
      list?.querySelector<HTMLElement>('.measure-undo-button') ??
      list?.closest('.viewer')?.querySelector<HTMLElement>('[role="toolbar"] [aria-pressed="true"]');
    props.onDismissError();
    if (had) target?.focus();
  };
  const undo = () => {
    if (deleted) focusNext.current = { id: deleted.id, part: 'pick' };
    props.onUndo?.();
  };
  /**
   * Delete or Backspace deletes the selected measurement, as anywhere in the viewer (the viewer's
   * key, not the row's: in the Training tab, with none selected, Delete clears the label). On the
   * selected row the focus then goes to the next row. Space presses the row's button rather than
   * playing cine.
   */
  const rowKey = (e: KeyboardEvent, id: string, part: 'pick' | 'delete') => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
    if ((e.key === 'Delete' || e.key === 'Backspace') && id === selected) {
      const i = items.findIndex((m) => m.id === id);
      const next = items[i + 1] ?? items[i - 1];
      focusNext.current = next ? { id: next.id, part } : 'undo';
    } else if (e.key === ' ') e.stopPropagation();
  };
  /** Ctrl+Z on the Undo button (the viewer's own key) brings the focus to the measurement brought back too. */
  const undoKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && deleted) focusNext.current = { id: deleted.id, part: 'pick' };
    else if (e.key === ' ') e.stopPropagation();
  };

  return (
    <div ref={root}>
      {items.length > 0 && (
        <ul className="measure-list" data-testid="measurements" aria-label="Measurements on this image">
          {items.map((m) => {
            const name = `${KIND_NAMES[m.kind]} ${items.filter((x) => x.kind === m.kind).indexOf(m) + 1}`;
            return (
              <li key={m.id} className={m.id === selected ? 'selected' : ''} data-measurement={m.id}>
                <button className="measure-pick" aria-pressed={m.id === selected} onClick={() => props.onSelect(m.id === selected ? null : m.id)} onKeyDown={(e) => rowKey(e, m.id, 'pick')} onPointerDown={(e) => e.stopPropagation()}>
                  {name}: {measurementText(m, props.frame)}
                </button>
                <button className="measure-delete" title={`Delete ${name} (Del)`} aria-keyshortcuts="Delete" onClick={() => remove(m.id, 'delete')} onKeyDown={(e) => rowKey(e, m.id, 'delete')} onPointerDown={(e) => e.stopPropagation()}>
                  <span aria-hidden="true">✕</span>
                  <span className="visually-hidden">Delete {name}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {deleted && props.onUndo && (
        <div className="measure-undo" role="status">
          <span>{KIND_NAMES[deleted.kind]} deleted.</span>
          <button className="measure-undo-button" aria-label={`Undo deleting the ${KIND_NAMES[deleted.kind].toLowerCase()}`} aria-keyshortcuts="Control+Z" title="Undo (Ctrl+Z)" onClick={undo} onKeyDown={undoKey} onPointerDown={(e) => e.stopPropagation()}>
            Undo
          </button>
        </div>
      )}
      {props.error && (
        <div className="measure-error" role="alert">
          {props.error}{' '}
          <button className="measure-delete" title="Dismiss this message" onFocus={(e) => (beforeDismiss.current = e.relatedTarget instanceof HTMLElement ? e.relatedTarget : null)} onClick={dismiss} onPointerDown={(e) => e.stopPropagation()}>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Dismiss</span>
          </button>
        </div>
      )}
    </div>
  );
}
