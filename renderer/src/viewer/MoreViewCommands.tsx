// The toolbar's "More view commands" button and the list it shows: actual size, invert, rotate
// and the flips, which a reading uses less than fit and reset, so that the toolbar keeps one row
// at 1280 px with both side panels shown. Each keeps its key (A, I, R, X, Y) and its name in words;
// the list is a disclosure of buttons, reached by Tab or the arrows, closed by Esc or a press.
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ViewState } from './transform';
import type { ViewCommand } from './useViewTransform';
import './toolbar.css';

interface Item { command: ViewCommand; icon: string; name: string; key: string; pressed?: (v: ViewState | null) => boolean }

/** The commands in the list, in the order the toolbar had them. */
export const MORE_VIEW_COMMANDS: readonly Item[] = [
  { command: 'actual', icon: '1:1', name: 'Actual size 1:1', key: 'A' },
  { command: 'invert', icon: '◑', name: 'Invert', key: 'I', pressed: (v) => !!v?.invert },
  { command: 'rotate', icon: '↻', name: 'Rotate 90° clockwise', key: 'R' },
  { command: 'flipH', icon: '⇋', name: 'Flip horizontally', key: 'X', pressed: (v) => !!v?.flipH },
  { command: 'flipV', icon: '⇵', name: 'Flip vertically', key: 'Y', pressed: (v) => !!v?.flipV },
];

const LIST_ID = 'viewer-more-view';

export function MoreViewCommands(props: { view: ViewState | null; onCommand: (name: ViewCommand) => void }) {
  const { view, onCommand } = props;
  const [open, setOpen] = useState(false);
  const [alignRight, setAlignRight] = useState(false);
  const wrap = useRef<HTMLSpanElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  // The list opens under the button, towards the side of the toolbar with room for it.
  useLayoutEffect(() => {
    if (!open || !wrap.current || !list.current) return;
    const bar = wrap.current.closest('[role="toolbar"]')?.getBoundingClientRect();
    const at = wrap.current.getBoundingClientRect();
    if (bar) setAlignRight(at.left + list.current.offsetWidth > bar.right);
  }, [open]);

  const items = () => Array.from(list.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
  const close = (focusTrigger: boolean) => {
    setOpen(false);
    if (focusTrigger) trigger.current?.focus();
  };
  const onTriggerKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown') return;
    e.preventDefault();
    setOpen(true);
    // After the list is drawn.
    requestAnimationFrame(() => items()[0]?.focus());
  };
  const onListKey = (e: KeyboardEvent) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    const to = (n: number) => (e.preventDefault(), all[(n + all.length) % all.length]?.focus());
    if (e.key === 'ArrowDown') to(i + 1);
    else if (e.key === 'ArrowUp') to(i - 1);
    else if (e.key === 'Home') to(0);
    else if (e.key === 'End') to(all.length - 1);
  };
  // Any of the hidden states on (inverted, flipped, turned) marks the button, as the corner text says it.
  const marked = !!view && (view.invert || view.flipH || view.flipV || view.rotation !== 0);
  return (
    <span
      className="more-view"
      ref={wrap}
      onKeyDown={(e) => {
        // Esc closes the list, from its button or from within it, not whatever the page would close.
        if (!open || e.key !== 'Escape') return;
        e.preventDefault();
        e.stopPropagation();
        close(true);
      }}
      onBlur={(e) => {
        if (open && !wrap.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={trigger}
        className={`tool${open ? ' active' : ''}${marked ? ' marked' : ''}`}
        aria-expanded={open}
        aria-controls={open ? LIST_ID : undefined}
        title="More view commands: actual size, invert, rotate, flip"
        onClick={() => setOpen((o) => !o)}
        onKeyDown={onTriggerKey}
      >
        <span aria-hidden="true">⋯</span>
        <span className="visually-hidden">More view commands</span>
      </button>
      {open && (
        <div id={LIST_ID} ref={list} className={`more-view-list${alignRight ? ' right' : ''}`} role="group" aria-label="More view commands" onKeyDown={onListKey}>
          {MORE_VIEW_COMMANDS.map((c) => {
            const pressed = c.pressed?.(view);
            return (
              <button
                key={c.command}
                className={`more-view-item${pressed ? ' active' : ''}`}
                aria-pressed={c.pressed ? !!pressed : undefined}
                aria-keyshortcuts={c.key}
                title={`${c.name} (${c.key})`}
                onClick={() => {
                  onCommand(c.command);
                  close(true);
                }}
              >
                <span className="more-view-icon" aria-hidden="true">{c.icon}</span>
                <span className="more-view-name">{c.name}</span>
                <kbd aria-hidden="true">{c.key}</kbd>
              </button>
            );
          })}
        </div>
      )}
    </span>
  );
}
