// What the coverage-guided fuzzer (`npm run fuzz`, test/fuzz/main.ts) found, each as the
// smallest input that showed it, run through the same module and checked with the same oracle
// (test/fuzz/targets.ts): these run in `npm test`; the fuzzer itself does not.
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../common/rpc';
import { LIBRARY_WORDS } from '../support/dicom/fuzz';

describe('contract: a refused request in words of ours', () => {
  it('names a missing field as missing, not in zod\'s words ("expected string, received undefined")', () => {
    const reply = validateRequest('job.cancel', {});
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.message).not.toMatch(LIBRARY_WORDS);
      expect(reply.error.message).toMatch(/jobId: missing/);
    }
    const nested = validateRequest('measurements.save', { measurement: {} });
    expect(nested.ok).toBe(false);
    if (!nested.ok) expect(nested.error.message).not.toMatch(LIBRARY_WORDS);
  });

  it('says a request without a name has none, not "undefined"', () => {
    for (const method of [undefined, null, 7, {}]) {
      const reply = validateRequest(method, {});
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('unknown_method');
        expect(reply.error.message).not.toMatch(LIBRARY_WORDS);
        expect(reply.error.message).not.toMatch(/\[object|"null"|"7"/);
      }
    }
  });
});
