// zod's issues in words of ours where zod's own would read as a library's: a field left out is
// "expected string, received undefined" to zod; to a person it is missing. Used for requests
// (common/rpc.ts) and for the files a model package holds (models/package/package.ts).
import type { z } from 'zod';

/** Whether the field at `path` is left out of `input` (or is undefined there). */
function absent(input: unknown, path: readonly PropertyKey[]): boolean {
  let value = input;
  for (const key of path) {
    if (!value || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

/** The value at `path` in `input` (undefined where there is none). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A text or a list over or under its bounds, as a person counts it; null for any other issue. */
function sizeWords(issue: z.core.$ZodIssue, input: unknown): string | null {
  if (issue.code !== 'too_big' && issue.code !== 'too_small') return null;
  // A schema's own message ("at most 1000 study UIDs at a time: …") says more than these words: kept.
  if (!/^Too (big|small)\b/.test(issue.message)) return null;
  const value = valueAt(input, issue.path);
  const bound = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
  if (issue.origin === 'string' && typeof value === 'string') {
    const chars = (n: number) => `${n} character${n === 1 ? '' : 's'}`;
    if (issue.code === 'too_big') return `too long: at most ${chars(bound)} (this one has ${value.length})`;
    return value.length === 0 ? `empty: at least ${chars(bound)}` : `too short: at least ${chars(bound)} (this one has ${value.length})`;
  }
  if (issue.origin === 'array' && Array.isArray(value)) {
    return issue.code === 'too_big' ? `too many: at most ${bound} (this list has ${value.length})` : `too few: at least ${bound} (this list has ${value.length})`;
  }
  return null;
}

/** The issue's message, a left-out field said to be missing; `input` is what was checked. */
export function issueWords(issue: z.core.$ZodIssue, input: unknown, needs = 'this request needs it'): string {
  if (issue.code === 'invalid_type' && absent(input, issue.path)) return `missing: ${needs} (${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`})`;
  return sizeWords(issue, input) ?? issue.message;
}
