import { useEffect, useState } from 'react';
import type { RequestOutput } from '../../../common/contract';
import { lumen } from '../api';

/** The engine's once-per-library reads of an older library, each told by a notice above the study list. */
type CheckRequest = 'library.spacingCheck' | 'library.patientDetailsCheck';

const POLL_MS = 500;

/**
 * What one of the engine's once-per-library reads has done: asked once per mount, then every
 * half second while it runs. `onEnd` is called with what it found when it has ended.
 */
export function useLibraryCheck<K extends CheckRequest>(method: K, onEnd?: (check: NonNullable<RequestOutput<K>>) => void): RequestOutput<K> | null {
  const [check, setCheck] = useState<RequestOutput<K> | null>(null);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () =>
      lumen.invoke(method, {} as never).then(
        (now) => {
          if (!live) return;
          const check = now as RequestOutput<K>;
          setCheck(check);
          if (check?.running) timer = setTimeout(ask, POLL_MS);
          else if (check) onEnd?.(check as NonNullable<RequestOutput<K>>);
        },
        () => undefined, // the study list reports a library that cannot be opened
      );
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Once per mount: each read runs once per library.
  }, []);
  return check;
}

/** "1 file", "3 files". */
export const files = (n: number) => `${n} ${n === 1 ? 'file' : 'files'}`;
