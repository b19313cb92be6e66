// Text from DICOM files (names, IDs, descriptions) may hold bidirectional overrides (U+202E) that
// would show the text around them in another order. Each value goes in its own <bdi> (an isolate,
// CSS unicode-bidi: isolate): whatever it holds stays inside its element.
import { Fragment, type ReactNode } from 'react';

/** Non-empty parts, each isolated, joined by " · " as joinParts joins text. */
export function joinIsolated(...parts: (string | number | null | undefined | false)[]): ReactNode {
  const shown = parts.map((p) => (p === null || p === undefined || p === false ? '' : String(p).trim())).filter((p) => p !== '');
  return shown.map((p, i) => (
    <Fragment key={i}>
      {i > 0 && ' · '}
      <bdi>{p}</bdi>
    </Fragment>
  ));
}
