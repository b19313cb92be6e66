// zod's issues in our words (common/issue-words.ts): a text or a list over or under its bounds is
// said as a person counts it, not as zod's "Too big: expected string to have <=200 characters".
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issueWords } from '../../common/issue-words';

const words = (schema: z.ZodType, input: unknown) => {
  const r = schema.safeParse(input);
  expect(r.success).toBe(false);
  return issueWords(r.error!.issues[0], input);
};

describe('issueWords', () => {
  it('a text too long or too short, a list too long or too short', () => {
    expect(words(z.string().max(200), 'x'.repeat(300))).toBe('too long: at most 200 characters (this one has 300)');
    expect(words(z.string().min(1), '')).toBe('empty: at least 1 character');
    expect(words(z.array(z.number()).max(2), [1, 2, 3])).toBe('too many: at most 2 (this list has 3)');
    expect(words(z.array(z.number()).min(1), [])).toBe('too few: at least 1 (this list has 0)');
  });

  it('a left-out field is missing; anything else keeps its message', () => {
    expect(words(z.object({ a: z.string() }), {})).toBe('missing: this request needs it (a string)');
    expect(words(z.number().int(), 1.5)).toMatch(/int/i);
  });
});
