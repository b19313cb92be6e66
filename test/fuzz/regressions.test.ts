// What the coverage-guided fuzzer (`npm run fuzz`, test/fuzz/main.ts) found, each as the
// smallest input that showed it, run through the same module and checked with the same oracle
// (test/fuzz/targets.ts): these run in `npm test`; the fuzzer itself does not.
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../common/rpc';
import { multipartParts } from '../../electron/pacs/dicomweb';
import { DicomPartSplitter } from '../../electron/pacs/multipart-stream';
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

describe('WADO-RS multipart: the streamed split agrees with the whole', () => {
  it('takes "--boundary" in the preamble for a delimiter only after a line break, whatever the chunks', () => {
    // The preamble holds the boundary after a bare LF: not a delimiter (RFC 2046 wants CRLF).
    // Read a byte at a time, the part of it kept for the next chunk began with "--B" and was
    // taken for the body's opening delimiter, so "fake" was written as the instance.
    const type = 'multipart/related; type="application/dicom"; boundary=B';
    const body = Buffer.from('x\n--B\r\n\r\nfake\r\n--B\r\nContent-Type: application/dicom\r\n\r\nreal\r\n--B--\r\n', 'latin1');
    expect(Buffer.from(multipartParts(type, body)[0].bytes).toString('latin1')).toBe('real');
    for (const size of [1, 2, 3, 4, 5, 7, body.length]) {
      const out: Buffer[] = [];
      const splitter = new DicomPartSplitter(type, (c) => out.push(Buffer.from(c)));
      for (let at = 0; at < body.length; at += size) splitter.push(body.subarray(at, at + size));
      splitter.end();
      expect(Buffer.concat(out).toString('latin1'), `chunks of ${size}`).toBe('real');
    }
  });
});
