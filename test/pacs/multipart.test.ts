// WADO-RS answers and query filters as a hostile or broken server (or user) gives them.
import { describe, expect, it } from 'vitest';
import { multipartParts } from '../../electron/pacs/dicomweb';
import { checkQuery } from '../../electron/pacs/query';

const body = (boundary: string, parts: { type: string; bytes: string }[], close = true) =>
  new Uint8Array(Buffer.from(parts.map((p) => `--${boundary}\r\nContent-Type: ${p.type}\r\n\r\n${p.bytes}\r\n`).join('') + (close ? `--${boundary}--\r\n` : ''), 'latin1'));

describe('multipartParts', () => {
  it('splits a multipart/related answer, quoted boundary or not, keeping each part byte for byte', () => {
    const parts = [
      { type: 'application/dicom', bytes: 'DICM\r\n--not-the-boundary\r\n' },
      { type: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.1', bytes: 'second' },
    ];
    for (const header of ['multipart/related; type="application/dicom"; boundary=abc123', 'multipart/related; boundary="abc123"; type="application/dicom"']) {
      const got = multipartParts(header, body('abc123', parts));
      expect(got.map((p) => [p.type, Buffer.from(p.bytes).toString('latin1')])).toEqual(parts.map((p) => [p.type, p.bytes]));
    }
  });

  it('refuses an answer that is not multipart, or that stops in the middle of a part', () => {
    expect(() => multipartParts('application/json', new Uint8Array(4))).toThrow(/not multipart\/related/);
    expect(() => multipartParts('multipart/related', new Uint8Array(4))).toThrow(/not multipart\/related/);
    const cut = body('b', [{ type: 'application/dicom', bytes: 'DICM' }], false);
    expect(() => multipartParts('multipart/related; boundary=b', cut)).toThrow(/ended in the middle of an instance/);
  });
});

describe('checkQuery', () => {
  it('takes dates and open ranges, refuses anything else with how to write it', () => {
    for (const studyDate of ['20240101', '20240101-20241231', '20240101-', '-20241231']) expect(checkQuery({ studyDate })).toEqual({ studyDate });
    expect(() => checkQuery({ studyDate: '2024-01-01' })).toThrow(/YYYYMMDD-YYYYMMDD/);
    expect(() => checkQuery({ studyDate: '20241231-20240101' })).toThrow(/ends before it starts/);
    expect(() => checkQuery({ modality: 'ct;drop' })).toThrow(/not a DICOM modality code/);
    expect(() => checkQuery({ patientId: 'A\\B' })).toThrow(/^Patient ID holds a backslash/);
    expect(() => checkQuery({ patientName: 'x\u0000' })).toThrow(expect.objectContaining({ message: expect.stringMatching(/^Patient name/), hint: { code: 'query-field', setting: 'queryField', value: 'patientName' } }));
  });
});
