import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SeriesImage } from '../../../common/contract/library';
import type { Measurement } from '../../../common/contract/measurements';
import { lumen } from '../api';
import { apply, emptyHistory, onImage, record, redo as redoStep, undo as undoStep, type Edit, type History, type Point } from './measurements';
import { errorMessage } from '../../../common/errors';

/** A fresh id for a measurement (the library keeps it, so undo and redo restore the same one). */
function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const message = errorMessage;

/**
 * The series' measurements, kept in the library: drawn, picked, deleted one at a time,
 * and undone or redone (Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y). The list shown is the library's:
 * a change is shown at once and saved in order; when a save fails the list is read back
 * from the library and the error says what happened.
 */
export function useMeasurements(opts: { seriesInstanceUid: string; images: SeriesImage[]; index: number; onIndex: (i: number) => void }) {
  const { seriesInstanceUid, images, index, onIndex } = opts;
  const shown = images[index];
  const [all, setAll] = useState<Measurement[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [history, setHistory] = useState<History>(emptyHistory);
  const [error, setError] = useState<string | null>(null);
  // Requests go one after another, so the library sees the edits in the order they were made.
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const live = useRef(seriesInstanceUid);
  live.current = seriesInstanceUid;
  // This series' edits, in the order they were queued. The library's list comes back without the
  // edits queued after it was asked for (they reach the library after it), so they are applied to
  // it again: a measurement drawn before a slow read returns stays shown.
  const edits = useRef<Edit[]>([]);

  const reload = useCallback((series: string) => {
    const from = edits.current.length;
    queue.current = queue.current.then(() =>
      lumen.invoke('measurements.list', { seriesInstanceUid: series }).then(
        (list) => live.current === series && setAll(edits.current.slice(from).reduce(apply, list)),
        (err: unknown) => live.current === series && setError(`The measurements of this series could not be read from the library: ${message(err)}`),
      ),
    );
  }, []);

  // Each series starts with what the library holds for it, and its own history.
  useEffect(() => {
    setAll([]);
    setSelected(null);
    setHistory(emptyHistory);
    setError(null);
    edits.current = [];
    reload(seriesInstanceUid);
  }, [seriesInstanceUid, reload]);

  const save = useCallback(
    (edit: Edit) => {
      const m = edit.measurement;
      setAll((list) => apply(list, edit));
      edits.current.push(edit);
      queue.current = queue.current.then(async () => {
        try {
          if (edit.op === 'add') await lumen.invoke('measurements.save', { measurement: m });
          else await lumen.invoke('measurements.delete', { id: m.id });
        } catch (err) {
          const n = images.findIndex((im) => onImage(m, im));
          const where = n >= 0 ? `image ${n + 1}` : 'an image of this series';
          setError(`The measurement on ${where} could not be ${edit.op === 'add' ? 'kept' : 'deleted'} in the library: ${message(err)}`);
          reload(m.seriesInstanceUid);
        }
      });
    },
    [images, reload],
  );

  const add = useCallback(
    (kind: Measurement['kind'], points: Point[]) => {
      if (!shown) return;
      const measurement: Measurement = { id: newId(), seriesInstanceUid, sopInstanceUid: shown.sopInstanceUid, frame: shown.frame, kind, points: points as Measurement['points'], createdAt: new Date().toISOString() };
      const edit: Edit = { op: 'add', measurement };
      save(edit);
      setHistory((h) => record(h, edit));
      setSelected(null);
    },
    [shown, seriesInstanceUid, save],
  );

  const remove = useCallback(
    (id: string) => {
      const measurement = all.find((m) => m.id === id);
      if (!measurement) return;
      const edit: Edit = { op: 'delete', measurement };
      save(edit);
      setHistory((h) => record(h, edit));
      setSelected((s) => (s === id ? null : s));
    },
    [all, save],
  );

  // Undo and redo show the image the step happened on, so it is never done out of sight.
  const step = useCallback(
    (which: 'undo' | 'redo') => {
      const next = (which === 'undo' ? undoStep : redoStep)(history);
      if (!next) return;
      save(next.edit);
      setHistory(next.history);
      const m = next.edit.measurement;
      setSelected(next.edit.op === 'add' ? m.id : null);
      if (!onImage(m, shown)) {
        const i = images.findIndex((im) => onImage(m, im));
        if (i >= 0) onIndex(i);
      }
    },
    [history, save, shown, images, onIndex],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      // Text fields keep their own undo.
      if (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes((t as HTMLInputElement).type)))) return;
      const key = e.key.toLowerCase();
      if (key === 'z' || key === 'y') {
        e.preventDefault();
        step(key === 'y' || e.shiftKey ? 'redo' : 'undo');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [step]);

  // Kept the same array while nothing changes, so the viewer redraws only when it must.
  const shownSop = shown?.sopInstanceUid;
  const shownFrame = shown?.frame;
  const here = useMemo(() => all.filter((m) => m.sopInstanceUid === shownSop && m.frame === shownFrame), [all, shownSop, shownFrame]);
  const removeSelected = useCallback(() => {
    const id = here.find((m) => m.id === selected)?.id;
    if (id) remove(id);
    return !!id;
  }, [here, selected, remove]);
  return {
    /** The measurements on the image shown, oldest first. */
    here,
    selected: here.some((m) => m.id === selected) ? selected : null,
    select: setSelected,
    add,
    remove,
    /** Deletes the selected measurement; false when none is selected on this image. */
    removeSelected,
    undo: () => step('undo'),
    redo: () => step('redo'),
    canUndo: history.undo.length > 0,
    /** The measurement the last step deleted on the image shown (an undo brings it back), else null. */
    lastDeleted: (() => {
      const last = history.undo[history.undo.length - 1];
      return last?.op === 'delete' && onImage(last.measurement, shown) ? last.measurement : null;
    })(),
    canRedo: history.redo.length > 0,
    error,
    dismissError: () => setError(null),
  };
}
