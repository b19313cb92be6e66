// Whether the open library can be changed (library.access): on a read-only disk the engine opens
// it for viewing only, and the page says so from the start and disables what would change it
// (import, labels, removal, training) with the reason as its tooltip and aria-description,
// instead of letting each try fail.
import { useEffect, useState } from 'react';
import { lumen } from '../api';

let asked: Promise<string | null> | null = null;

/** Asked once per page: the engine opens one library, and its disk's state is read when it opens it. */
export function readOnlyReason(): Promise<string | null> {
  asked ??= lumen.invoke('library.access', {}).then(
    (a) => a.readOnly,
    () => {
      asked = null; // not answered (the library could not be opened): asked again by the next one
      return null;
    },
  );
  return asked;
}

/** Why the library cannot be changed, or null when it can (or before the engine has answered). */
export function useReadOnlyLibrary(): string | null {
  const [reason, setReason] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void readOnlyReason().then((r) => live && setReason(r));
    return () => {
      live = false;
    };
  }, []);
  return reason;
}

/** Props that disable a control that would change a read-only library, saying why. */
export function readOnlyControl(reason: string | null): { disabled?: true; title?: string; 'aria-description'?: string } {
  if (!reason) return {};
  const why = `Read-only: ${reason}`;
  return { disabled: true, title: why, 'aria-description': why };
}
