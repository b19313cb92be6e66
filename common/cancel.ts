// One class for a cancel: every cancel point (a training epoch, a features batch, the inference
// pipeline, an evaluation, suggestions, a prediction, a de-identified export, a PACS request, the
// weights download, a job's own checkCancelled) throws a CancelledError, and whoever must tell a
// cancel from a failure (the engine's job runner, the CLI commands) asks isCancel, never the
// error's words nor whether the signal had aborted (an error after Cancel is a failure): a cancel that
// says what it kept ("Cancelled: scored 2 of 5 series …") is still a cancel, and a failure whose
// text happens to be "Cancelled" is still a failure. A cancel is asked for with an AbortSignal;
// this is only how the work says it stopped because of one. Imported by electron/ and models/.

/** Thrown by work that stopped because its AbortSignal was aborted. `message`: what the user reads ("Cancelled", or what the cancelled work kept). */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/** Whether `err` is a cancel (a CancelledError or one of its subclasses), whatever its words. */
export function isCancel(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}
