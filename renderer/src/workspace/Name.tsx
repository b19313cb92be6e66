/**
 * A name without spaces (a model package, a dataset, a file or folder path, a SOP class name) as
 * the side panels show it: where it must wrap it breaks after "_", "-", ".", "/" or "\" first,
 * and inside a run of letters only when that run alone is wider than the line (a "." between
 * digits, as in "v1.2", is no break: a number stays whole). The breaks are
 * <wbr> elements, not characters: the name copies and is read whole.
 */
import { Fragment } from 'react';
import './name.css';

/** The name cut after each of its break characters, in order: joined, they are the name. */
export const nameParts = (text: string): string[] => text.split(/(?<=[_\-/\\]|(?<!\d)\.)(?=.)/su);

export function Name({ text }: { text: string }) {
  const parts = nameParts(text);
  return (
    <span className="name-text">
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </span>
  );
}
