// One way to turn a thrown value into text for a person: every module that
// shows, logs or returns an error's reason uses it, in the engine, the CLI,
// models/ and the renderer alike. It never returns a stack or "[object
// Object]". Wording for a particular failure (a file-system code, a codec's
// damaged stream) is the caller's: this is only the fallback.

const UNKNOWN = 'an unexpected error';

/** The reason a thrown value carries: an Error's message, a thrown string, a `{ message }` or dicom-parser's `{ exception }`. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const { message } = err as { message?: unknown };
    if (typeof message === 'string' && message) return message;
    // dicom-parser throws { exception, dataSet }.
    if ('exception' in err) return errorMessage((err as { exception: unknown }).exception);
    return UNKNOWN;
  }
  if (err === undefined || err === null) return UNKNOWN;
  return String(err);
}

/** errorMessage's first line, at most `max` characters: for one-line summaries (doctor, status lines). */
export function errorLine(err: unknown, max = 300): string {
  return errorMessage(err).split('\n')[0].slice(0, max);
}

/**
 * Thrown for a request its own caller withdrew (a viewer frame scrolled past): not a failure,
 * so the dispatcher answers it as 'withdrawn' and logs nothing.
 */
export class Withdrawn extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Withdrawn';
  }
}
