// The study list's studies, a page at a time (library.studyPage): the first page when the
// search, sort or filters change, the next when the list asks for more (scrolled near its
// end, or a key moved past the last study loaded). When the library changes (an import),
// as many studies as were loaded are asked for again from the top, so the list keeps its
// length, its scroll position and the user's place, and shows the new studies in order.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { StudyWithSeries } from '../../../common/contract/library';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import type { StudyFilter, StudySort } from './studyFilters';

/** Studies per page: a few screenfuls, about 100 kB. */
export const STUDY_PAGE = 200;
/** The largest page the engine gives (a refresh after an import asks for up to this many at once). */
const LARGEST_PAGE = 1000;

export interface StudyPages {
  /** The studies loaded so far in the list's order, or null until the first page arrives. */
  studies: StudyWithSeries[] | null;
  /** Studies matching the search and filters; those matching the search alone; their modalities. */
  total: number;
  unfiltered: number;
  modalities: string[];
  hasMore: boolean;
  /** False while a new query (search, sort, filter, or the library changed) is on its way: `studies` are the previous query's. */
  settled: boolean;
  error: string | null;
  /** Asks for the next page (at most `limit` studies) unless one is on its way or none is left. */
  loadMore: (limit?: number) => void;
}

interface Loaded {
  studies: StudyWithSeries[];
  nextCursor: string | null;
  total: number;
  unfiltered: number;
  modalities: string[];
}

export function useStudyPages(search: string, sort: StudySort, filter: StudyFilter, generation: number): StudyPages {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [settled, setSettled] = useState(false);
  // Replies to a query the user has since changed are dropped: each query has its own number.
  const query = useRef(0);
  const loading = useRef(false);
  const loadedCount = useRef(0);
  loadedCount.current = loaded?.studies.length ?? 0;
  const base = useCallback(
    () => ({
      search: search || undefined,
      sort,
      ...(filter.modalities.length ? { modalities: [...filter.modalities] } : {}),
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
    }),
    [search, sort, filter],
  );

  const lastGeneration = useRef(generation);
  useEffect(() => {
    const mine = ++query.current;
    setSettled(false);
    // After an import: as many as were loaded (the same query), so the list neither shrinks nor jumps.
    const refresh = lastGeneration.current !== generation;
    lastGeneration.current = generation;
    const limit = refresh ? Math.min(LARGEST_PAGE, Math.max(STUDY_PAGE, loadedCount.current)) : STUDY_PAGE;
    const t = setTimeout(
      () => {
        loading.current = true;
        lumen.invoke('library.studyPage', { ...base(), limit }).then(
          (page) => {
            if (mine !== query.current) return;
            loading.current = false;
            setLoaded(page);
            setError(null);
            setSettled(true);
          },
          (err: unknown) => {
            if (mine !== query.current) return;
            loading.current = false;
            setError(errorMessage(err));
            setSettled(true);
          },
        );
      },
      refresh ? 0 : 150,
    );
    return () => clearTimeout(t);
  }, [base, generation]);

  const cursor = loaded?.nextCursor ?? null;
  const loadMore = useCallback(
    (limit = STUDY_PAGE) => {
      if (!cursor || loading.current) return;
      const mine = query.current;
      loading.current = true;
      lumen.invoke('library.studyPage', { ...base(), limit, cursor }).then(
        (page) => {
          if (mine !== query.current) return;
          loading.current = false;
          setLoaded((before) => {
            if (!before) return page;
            const known = new Set(before.studies.map((st) => st.studyInstanceUid));
            return { ...page, studies: [...before.studies, ...page.studies.filter((st) => !known.has(st.studyInstanceUid))] };
          });
        },
        (err: unknown) => {
          if (mine !== query.current) return;
          loading.current = false;
          setError(errorMessage(err));
        },
      );
    },
    [base, cursor],
  );

  return {
    studies: loaded?.studies ?? null,
    total: loaded?.total ?? 0,
    unfiltered: loaded?.unfiltered ?? 0,
    modalities: loaded?.modalities ?? [],
    hasMore: cursor !== null,
    settled,
    error,
    loadMore,
  };
}
