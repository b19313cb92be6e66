// Ctrl+C in a `lumen` command, one way for every command.

/** The exit status of a command stopped by Ctrl+C (the shell's 128 + SIGINT). */
export const INTERRUPTED_EXIT = 130;

export interface Interrupt {
  /** Aborts at the first Ctrl+C: the command's work stops at its next check and reports what it kept. */
  readonly signal: AbortSignal;
  /** Stops listening for Ctrl+C (in the command's `finally`). */
  release(): void;
}

/**
 * Listens for Ctrl+C while a command works. The first aborts `signal`, so the
 * work ends cleanly and the command prints what it kept; a second one ends the
 * process at once with exit status 130, for work that does not stop soon
 * enough, unless `secondExits` is false (then every Ctrl+C only aborts).
 */
export function catchInterrupt(options: { secondExits?: boolean } = {}): Interrupt {
  const secondExits = options.secondExits ?? true;
  const controller = new AbortController();
  const onSigint = () => {
    if (secondExits && controller.signal.aborted) process.exit(INTERRUPTED_EXIT);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) };
}

/** Resolves at the first Ctrl+C or SIGTERM: how a command that serves until stopped waits. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
