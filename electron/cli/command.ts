import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors';

/** One `lumen` subcommand. `run` returns the process exit code. */
export interface Command {
  summary: string;
  usage: string;
  /** The command prints its own --help (e.g. per sub-suite). */
  ownHelp?: boolean;
  run(argv: string[]): Promise<number>;
}

/** A user-facing failure: printed as one line (or as {"error"} with --json), exit code 1. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  // JSON.stringify escapes C0 controls but writes bidirectional controls and C1 as they are; as
  // \u escapes they are the same JSON, and a terminal cannot reorder the lines around them.
  const json = JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(json + '\n');
}

/** parseArgs with the strictness every command wants: unknown flags are an error the user can read. */
export function parseCommandArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(errorMessage(err), 2);
  }
}
