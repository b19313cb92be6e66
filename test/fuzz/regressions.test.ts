// What the coverage-guided fuzzer (`npm run fuzz`, test/fuzz/main.ts) found, each as the
// smallest input that showed it, run through the same module and checked with the same oracle
// (test/fuzz/targets.ts): these run in `npm test`; the fuzzer itself does not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateRequest } from '../../common/rpc';
import { DicomFileError } from '../../electron/dicom/parse';
import { readDicomdirReferences } from '../../electron/library/scan';
import { multipartParts } from '../../electron/pacs/dicomweb';
import { DicomPartSplitter } from '../../electron/pacs/multipart-stream';
import { formatVersionProblem, loadPackage, PackageError } from '../../models/package/package';
import { LIBRARY_WORDS, runFuzzCase } from '../support/dicom/fuzz';
import { dicomBytes } from '../support/dicom/write';
import { rehashedCopy, saveTinyNetPackage } from '../support/tiny-package';
import { dicomdirFindings } from './seeds';
import { fuzzTargets, type FuzzTarget } from './targets';

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

describe('WADO-RS multipart: a part without headers', () => {
  it('keeps a body that begins with a line break (the blank line is the one right after the delimiter)', () => {
    // "--B" CRLF, no headers, the blank line's CRLF, then a body that begins with CRLF: the whole
    // split searched for the blank line after the delimiter's CRLF and ate the body's first two bytes.
    const type = 'multipart/related; boundary=B';
    const body = Buffer.from('--B\r\n\r\n\r\nx\r\n--B--\r\n', 'latin1');
    expect(Buffer.from(multipartParts(type, body)[0].bytes).toString('latin1')).toBe('\r\nx');
    const out: Buffer[] = [];
    const splitter = new DicomPartSplitter(type, (c) => out.push(Buffer.from(c)));
    splitter.push(body);
    splitter.end();
    expect(Buffer.concat(out).toString('latin1')).toBe('\r\nx');
  });
});

describe('model packages: a damaged metadata.json or model.json is a PackageError in our words', () => {
  let scratch: string;
  let good: string;
  let n = 0;
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-fuzz-package-'));
    good = path.join(scratch, 'good');
    await saveTinyNetPackage(good, 'fuzz');
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** A copy of the package with `file` rewritten (the content hash made to match, as anyone can), and what loading it throws. */
  const refusal = async (file: string, edit: (text: string) => string): Promise<unknown> => {
    // metadata.json is refused before its hash is checked: written after the copy is rehashed.
    const dir = rehashedCopy(good, path.join(scratch, String(n++)), (d) => {
      if (file !== 'metadata.json') writeFileSync(path.join(d, file), edit(readFileSync(path.join(d, file), 'utf8')));
    });
    if (file === 'metadata.json') writeFileSync(path.join(dir, file), edit(readFileSync(path.join(dir, file), 'utf8')));
    return loadPackage(dir).then(
      () => null,
      (err: unknown) => err,
    );
  };
  // V8's JSON.parse messages ("Unexpected token 'N', ...\"shape\":NaN[1,1\"... is not valid JSON") quote the file.
  const V8_JSON = /Unexpected token|in JSON at position|Bad control character|Expected ',' or|"\.\.\./;

  it('says metadata.json and model.json are not JSON without quoting them in V8\'s words', async () => {
    for (const [file, edit] of [
      ['metadata.json', (t: string) => t.replace('"name"', '"na\u0001me"')],
      ['model.json', (t: string) => t.replace('"batch_input_shape":', '"batch_input_shape":NaN')],
    ] as const) {
      const err = await refusal(file, edit);
      expect(err, file).toBeInstanceOf(PackageError);
      expect((err as Error).message).toMatch(new RegExp(`${file.replace('.', '\\.')} is not valid JSON`));
      expect((err as Error).message).not.toMatch(V8_JSON);
    }
  });

  it('names a field metadata.json leaves out as missing, not "expected number, received undefined"', async () => {
    const err = await refusal('metadata.json', (t) => t.replace(/"inputSize":\s*\d+,?/, ''));
    expect(err).toBeInstanceOf(PackageError);
    expect((err as Error).message).toMatch(/inputSize: missing/);
    expect((err as Error).message).not.toMatch(LIBRARY_WORDS);
  });

  it('says a metadata.json without formatVersion has none, not "formatVersion undefined", and never repeats a long value', () => {
    const missing = formatVersionProblem({ name: 'x' });
    expect(missing).toMatch(/no formatVersion/);
    expect(missing).not.toMatch(LIBRARY_WORDS);
    expect(formatVersionProblem({ formatVersion: 'v'.repeat(10_000) })!.length).toBeLessThan(400);
    expect(formatVersionProblem({ formatVersion: 'two' })).toMatch(/^unsupported formatVersion "two"/);
  });

  it('refuses a weights manifest that is not a list of groups of file names, not with a TypeError', async () => {
    for (const manifest of ['{}', '[null]', '[{"paths":[1]}]', '[{"paths":"group1-shard1of1.bin"}]', '7']) {
      const err = await refusal('model.json', (t) => {
        const m = JSON.parse(t);
        m.weightsManifest = JSON.parse(manifest);
        return JSON.stringify(m);
      });
      expect(err, manifest).toBeInstanceOf(PackageError);
      expect((err as Error).message, manifest).toMatch(/weights manifest/);
      expect((err as Error).message).not.toMatch(LIBRARY_WORDS);
    }
  });
});

describe('DICOM: an element inside a sequence item that runs past the end of the file', () => {
  /** Implicit VR little endian: tag, 4-byte length, value. */
  const element = (tag: number, value: Buffer, length = value.length) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(tag >>> 16, 0);
    head.writeUInt16LE(tag & 0xffff, 2);
    head.writeUInt32LE(length, 4);
    return Buffer.concat([head, value]);
  };
  const item = (body: Buffer) => element(0xfffee000, body);
  const us = (v: number) => Buffer.from(Uint16Array.of(v).buffer);

  it('is refused, naming the element and its sequence, not read as a thrown string or with the pixel data lost', async () => {
    // An Enhanced MR's Shared Functional Groups (5200,9229) > Pixel Value Transformation (0028,9145)
    // item whose Rescale Slope declares 4 GB (dcmconv +ti's copy of the Enhanced MR seed with one
    // byte changed): dicom-parser's implicit VR item reader jumped past the end, the rest of the
    // file (the pixel data) was silently left unread, and reading the slope threw dicom-parser's
    // "attempt to read past end of buffer" as a string.
    const body = Buffer.concat([
      element(0x00080016, Buffer.from('1.2.840.10008.5.1.4.1.1.4.1\0', 'latin1')),
      element(0x00080018, Buffer.from('1.2.826.0.1.3680043.10.9.90\0', 'latin1')),
      element(0x00280002, us(1)),
      element(0x00280004, Buffer.from('MONOCHROME2 ', 'latin1')),
      element(0x00280010, us(4)),
      element(0x00280011, us(4)),
      element(0x00280100, us(16)),
      element(0x00280101, us(12)),
      element(0x00280102, us(11)),
      element(0x00280103, us(0)),
      element(0x52009229, item(element(0x00289145, item(element(0x00281053, Buffer.from('2 '), 0xfa000002))))),
      element(0x7fe00010, Buffer.alloc(32)),
    ]);
    // The meta header alone (its elements are always explicit VR), then the implicit VR data set.
    const bytes = Buffer.concat([dicomBytes({}, '1.2.840.10008.1.2'), body]);
    const outcome = await runFuzzCase(new Uint8Array(bytes), 'fuzz.dcm');
    expect(outcome.kind, outcome.detail).toBe('error');
    expect(outcome.detail).toMatch(/in a sequence item: \(5200,9229\) > \(0028,9145\) > \(0028,1053\)\.$/);
    expect(outcome.detail).toMatch(/declares 4194304002 bytes but the file ends at byte \d+/);
  });
});

describe('dicomdir: the record parser refuses in its own words', () => {
  let work = '';
  let findings: { name: string; bytes: Uint8Array }[] = [];
  let target: FuzzTarget;
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'lumen-fuzz-dicomdir-'));
    target = fuzzTargets().find((t) => t.name === 'dicomdir')!;
    // The target's own seeds: its first is dcmmkdir's DICOMDIR over two images.
    const seeds = await target.setup(work);
    findings = dicomdirFindings(seeds[0]);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('says what is wrong with each input the target found, as a DicomFileError without a library\'s words', () => {
    const reasons = findings.map(({ name, bytes }) => {
      try {
        readDicomdirReferences(bytes);
      } catch (err) {
        // Before: an object ({exception, dataSet}), a string, an Error in dicom-parser's words.
        expect(err, name).toBeInstanceOf(DicomFileError);
        expect((err as DicomFileError).reason, name).not.toMatch(LIBRARY_WORDS);
        return [name, (err as DicomFileError).reason];
      }
      throw new Error(`${name} was read`);
    });
    expect(Object.fromEntries(reasons)).toEqual({
      'record-past-item': expect.stringMatching(/^element beyond its sequence item: element \(0004,1500\) in item \d+ of \(0004,1220\) declares \d+ bytes from byte \d+ to byte \d+, but the item ends at byte \d+\./),
      'meta-only': expect.stringMatching(/^no data set: the file ends with its meta header, at byte \d+\. The file is truncated/),
      'no-transfer-syntax': expect.stringMatching(/has no Transfer Syntax UID \(0002,0010\)/),
    });
  });

  it('passes the target\'s oracle on each (the seeds it runs from now on)', async () => {
    for (const { name, bytes } of findings) await expect(Promise.resolve(target.run(bytes)), name).resolves.toBeUndefined();
  });

  it('still reads the records of dcmmkdir\'s and GDCM\'s DICOMDIRs, made again in the same folder', async () => {
    // A second setup in the folder of the first, as a worker restarted after a hang makes it:
    // gdcmgendir failed on the DICOMDIRs the first had left there, and the target stopped.
    const seeds = await target.setup(work);
    const found = new Set(dicomdirFindings(seeds[0]).map((f) => Buffer.from(f.bytes).toString('base64')));
    const made = seeds.filter((s) => !found.has(Buffer.from(s).toString('base64')));
    expect(made.length).toBe(seeds.length - findings.length);
    for (const seed of made) {
      const refs = readDicomdirReferences(seed);
      expect(refs.length).toBeGreaterThanOrEqual(2);
      expect(refs.every((r) => r.recordType === 'IMAGE' && r.fileId.length >= 2)).toBe(true);
    }
  });
});
