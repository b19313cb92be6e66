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

/** The issue's message, a left-out field said to be missing; `input` is what was checked. */
export function issueWords(issue: z.core.$ZodIssue, input: unknown, needs = 'this request needs it'): string {
  if (issue.code === 'invalid_type' && absent(input, issue.path)) return `missing: ${needs} (${issue.expected === 'array' ? 'a list' : `a ${issue.expected}`})`;
  return issue.message;
}
