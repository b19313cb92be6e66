// Removing a study or a series from the library (common/contract/library-remove.ts): the study
// list's Delete key or right-click asks first, naming what goes and that the files stay on
// disk; after it, an Undo puts back exactly what went, labels and predictions included.
import { useEffect, useRef, useState } from 'react';
import type { RemovalCounts, RemovalTarget } from '../../../common/contract/library-remove';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { countOf, imageCount } from '../../../common/counts';
import { scoreWords } from '../../../common/score-counts';
import { readOnlyControl, useReadOnlyLibrary } from './libraryAccess';
import './remove.css';

/** What the user asked to remove: the request's target and how the list names it ("study Doe, Jane 2 Jan 2024"). */
export interface RemovalAsk {
  target: RemovalTarget;
  name: string;
  /** The images the list shows for it (frames, as the viewer steps through them), where it knows them. */
  frames?: number;
}

/** The question's counts in words: "5 images, 3 labels, 2 image scores, 1 series score" (what is zero is left out, images always said; "3 images (1 file)" for a multi-frame file). */
export function removalWhat(c: RemovalCounts, frames?: number): string {
  // In the list's count: a multi-frame file is several images there, so say how many files hold them.
  const parts = [imageCount(frames ?? c.frames ?? c.images, c.images)];
  if (c.labels) parts.push(countOf(c.labels, 'label'));
  if (c.measurements) parts.push(countOf(c.measurements, 'measurement'));
  // Said apart by what they score: a series head's score is not one more image's ("5 image scores, 1 series score").
  parts.push(...scoreWords(c));
  if (c.results) parts.push(countOf(c.results, 'result document'));
  return parts.join(', ');
}

/** The question, then the Undo; `ask` is set by the list. */
export function useRemoval() {
  const [ask, setAsk] = useState<RemovalAsk | null>(null);
  return { ask, setAsk };
}

export function RemoveFromLibrary({ ask, onClose }: { ask: RemovalAsk | null; onClose: () => void }) {
  const [counts, setCounts] = useState<RemovalCounts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removed, setRemoved] = useState<{ name: string; undoToken: string } | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const readOnly = useReadOnlyLibrary();

  useEffect(() => {
    setCounts(null);
    setError(null);
    if (!ask) return;
    let live = true;
    lumen.invoke('library.removePreview', ask.target).then(
      (c) => live && setCounts(c),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [ask]);
  useEffect(() => {
    if (counts) cancel.current?.focus();
  }, [counts]);

  const remove = async () => {
    if (!ask) return;
    setBusy(true);
    try {
      const r = await lumen.invoke('library.remove', ask.target);
      setRemoved({ name: ask.name, undoToken: r.undoToken });
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const undo = async () => {
    if (!removed) return;
    setBusy(true);
    try {
      await lumen.invoke('library.undoRemove', { undoToken: removed.undoToken });
      setRemoved(null);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (ask) {
    const isSeries = 'seriesInstanceUid' in ask.target;
    return (
      <div className="remove-ask" role="alertdialog" aria-label={`Remove ${ask.name} from the library?`} data-testid="remove-question" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <p>
          Remove <bdi>{ask.name}</bdi> from the library?{' '}
          {counts && (
            <>
              {removalWhat(counts, ask.frames)}.{isSeries && counts.studyRemoved ? ' It is the study’s only series: the study goes too.' : ''} The files stay on disk
              {counts.filesInLibraryFolder ? ` (${countOf(counts.filesInLibraryFolder, 'file')} retrieved from a PACS stay in Lumen’s data folder)` : ''}; you can undo this.
            </>
          )}
          {!counts && !error && <span className="muted">Counting what it holds…</span>}
        </p>
        {error && <p className="bad" role="alert">{error}</p>}
        {readOnly && <p className="muted" data-testid="remove-read-only">The library is on a read-only disk: nothing can be removed from it.</p>}
        <div className="row">
          <button type="button" className="text-button small bad" disabled={!counts || busy} onClick={() => void remove()} {...readOnlyControl(readOnly)}>Remove</button>
          <button type="button" className="text-button small" ref={cancel} onClick={onClose}>Cancel</button>
        </div>
      </div>
    );
  }
  if (removed || error) {
    return (
      <div className="remove-done" role="status" data-testid="remove-done">
        {removed && <span>Removed <bdi>{removed.name}</bdi> from the library.</span>}
        {error && <span className="bad">{error}</span>}
        {removed && <button type="button" className="remove-undo-button" disabled={busy} aria-label={`Undo removing ${removed.name}`} onClick={() => void undo()}>Undo</button>}
        <button type="button" className="link-button" aria-label="Dismiss" title="Dismiss" onClick={() => { setRemoved(null); setError(null); }}>✕</button>
      </div>
    );
  }
  return null;
}
