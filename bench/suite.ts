import { CliError } from '../electron/cli/command';
/** One benchmark suite: `lumen bench <suite> [its options]`. */
export interface BenchSuite {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** A whole-number option of a suite, `fallback` when absent; a value outside min..max is a usage error (exit 2). */
export function intOption(value: string | undefined, fallback: number, name: string, min: number, max = Infinity): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new CliError(`--${name} must be a whole number ${range}, not "${value}".`, 2);
  }
  return n;
}

/** A figure rounded for a report (a number, so JSON keeps it numeric). */
export const roundTo = (x: number, digits = 1) => Number(x.toFixed(digits));

/** The median of timed runs (the mean of the middle two for an even count); `values` is left as it is. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "1 thread", "2 threads": a count and its noun (`word` in the singular, made plural with s). */
export const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
