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

/**
 * A flag's value as a number when it is written as a decimal number ("40", "-1.5", "2e3"), else
 * NaN: Number() alone reads "" and " " as 0 and "0x10" as 16, which no one means on a command line.
 */
export function decimalNumber(value: string): number {
  const s = value.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
}

export function printJson(value: unknown): void {
  // JSON.stringify escapes C0 controls but writes bidirectional controls and C1 as they are; as
  // \u escapes they are the same JSON, and a terminal cannot reorder the lines around them.
  const json = JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  process.stdout.write(json + '\n');
}

/** A flag typed wrong: main() adds where the command's options are listed (`lumen <command> --help`). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/**
 * parseArgs' complaint in the user's words: its own text is written for programmers
 * ("To specify a positional argument starting with a '-', place it at the end of the command after '--'").
 */
function flagProblem(err: unknown): string {
  const text = errorMessage(err);
  const code = (err as { code?: unknown } | null)?.code;
  const flag = /Option '(-{1,2}[^' ]+)/.exec(text)?.[1] ?? /Unknown option '(-{1,2}[^' ]+)'/.exec(text)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown option ${flag}.`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) return /does not take an argument/.test(text) ? `${flag} takes no value.` : `${flag} needs a value.`;
  return `the options could not be read (${text.split('\n')[0].slice(0, 120)}).`;
}

/**
 * parseArgs with the strictness every command wants: unknown flags are an error the user can read.
 * `positionals: false` for a command that takes options only, so that a word typed without its
 * flag (`lumen predict --model m 1.2.3`, meaning --series) is refused rather than ignored.
 */
export function parseCommandArgs<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], options: T, { positionals = true } = {}) {
  // A negative number after an option that takes a value is that value (`--frame -1`, `--window -600,1500`), not an
  // option: parseArgs alone says "--frame needs a value", and the flag's own check never sees what was typed.
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      joined.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && Object.hasOwn(options ?? {}, name) && (options as Record<string, { type?: string }>)[name].type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  const parsed = (() => {
    try {
      return parseArgs({ args: joined, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError(flagProblem(err));
    }
  })();
  if (!positionals && parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0].slice(0, 80)}": this command takes options only.`);
  return parsed;
}
