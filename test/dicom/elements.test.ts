// parseDicomFast must be dicom-parser's parseDicom, only faster: the same
// elements (offsets, lengths, VRs, sequence items, fragments), the same
// warnings, and the same errors with the same partial data sets, on every
// fixture Lumen decodes, on files with sequences and private tags in every
// transfer syntax and length encoding, on a DICOMDIR, and on thousands of
// damaged copies (truncated at every header byte, single bits flipped).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFast, type FastParseOptions } from '../../electron/dicom/elements';
import { makeDicomdir, tmpDir, writeSlice } from '../library/fixtures';
import { makeBrokenFiles, makeFixtures, rng, TS } from './fixtures';

interface Plain {
  [key: string]: unknown;
}

function plainElement(el: dicomParser.Element): Plain {
  const e = el as dicomParser.Element & { Value?: string };
  return {
    tag: e.tag,
    vr: e.vr,
    length: e.length,
    dataOffset: e.dataOffset,
    hadUndefinedLength: e.hadUndefinedLength,
    Value: e.Value,
    parser: e.parser === undefined ? undefined : e.parser === dicomParser.littleEndianByteArrayParser ? 'little' : 'other',
    encapsulatedPixelData: e.encapsulatedPixelData,
    basicOffsetTable: e.basicOffsetTable,
    fragments: e.fragments,
    items: e.items?.map((item) => ({
      tag: item.tag,
      length: item.length,
      dataOffset: item.dataOffset,
      hadUndefinedLength: item.hadUndefinedLength,
      dataSet: item.dataSet ? plainDataSet(item.dataSet) : undefined,
    })),
  };
}

function plainDataSet(ds: dicomParser.DataSet): Plain {
  return {
    // Key order too: callers iterate the elements.
    keys: Object.keys(ds.elements),
    elements: Object.fromEntries(Object.entries(ds.elements).map(([k, el]) => [k, plainElement(el)])),
    warnings: ds.warnings,
    byteLength: ds.byteArray.length,
    littleEndian: ds.byteArrayParser === dicomParser.littleEndianByteArrayParser,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? `Error: ${e.message}` : String(e);
}

/** What a parse gives: the data set, or the error (with its partial data set, as parseDicom throws it). */
function outcome(parse: () => dicomParser.DataSet): Plain {
  try {
    return { ok: plainDataSet(parse()) };
  } catch (e) {
    if (e && typeof e === 'object' && 'exception' in e) {
      const partial = (e as { dataSet?: dicomParser.DataSet }).dataSet;
      return { exception: message((e as { exception: unknown }).exception), dataSet: partial ? plainDataSet(partial) : undefined };
    }
    return { error: message(e) };
  }
}

let checked = 0;
function same(bytes: Uint8Array, options: FastParseOptions = {}): void {
  const theirs = outcome(() => dicomParser.parseDicom(bytes, options));
  const ours = outcome(() => parseDicomFast(bytes, options));
  expect(ours).toEqual(theirs);
  checked++;
}

/** Where the pixel data element starts (or the file's end): damage before it is what parsing sees. */
function headerEnd(bytes: Buffer): number {
  for (const tag of [Buffer.from([0xe0, 0x7f, 0x10, 0x00]), Buffer.from([0x7f, 0xe0, 0x00, 0x10])]) {
    const at = bytes.lastIndexOf(tag);
    if (at > 0) return at + 16;
  }
  return bytes.length;
}

let dir: string;
const files: { name: string; bytes: Buffer; options: FastParseOptions }[] = [];

beforeAll(() => {
  dir = tmpDir('elements');
  const { fixtures } = makeFixtures(dir);
  for (const [name, fx] of Object.entries(fixtures)) {
    const bytes = readFileSync(fx.file);
    // Bare data sets go to dicom-parser with the syntax Lumen assumes for them.
    const bare = name.includes('-raw-');
    files.push({ name, bytes, options: bare ? { TransferSyntaxUID: fx.transferSyntax } : {} });
  }
  for (const broken of makeBrokenFiles(dir, fixtures)) files.push({ name: broken.file, bytes: readFileSync(broken.file), options: {} });

  // Sequences (nested, empty, private) and private tags, in every syntax and length encoding.
  const seq = join(dir, 'seq-source.dcm');
  writeSlice(seq, {
    patientName: 'SEQ^TEST', patientId: 'S1', studyUid: '1.2.3.1', seriesUid: '1.2.3.1.1', sopUid: '1.2.3.1.1.1',
    extraLines: [
      // dcmtk sorts by tag, so this sequence is the data set's first element, which dicom-parser
      // also reads (and throws away) while looking for the end of the meta header.
      '(0008,0006) SQ (Sequence with undefined length #=1)',
      '  (fffe,e000) na (Item with undefined length #=1)',
      '    (0008,0100) SH [en]',
      '  (fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
      '(0008,1140) SQ (Sequence with undefined length #=2)',
      '  (fffe,e000) na (Item with undefined length #=2)',
      '    (0008,1150) UI =CTImageStorage',
      '    (0008,1155) UI [1.2.3.4.5]',
      '  (fffe,e00d) na (ItemDelimitationItem)',
      '  (fffe,e000) na (Item with undefined length #=1)',
      '    (0040,a730) SQ (Sequence with undefined length #=1)',
      '      (fffe,e000) na (Item with undefined length #=1)',
      '        (0040,a160) UT [nested text]',
      '      (fffe,e00d) na (ItemDelimitationItem)',
      '    (fffe,e0dd) na (SequenceDelimitationItem)',
      '  (fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
      '(0009,0010) LO [LUMEN PRIVATE]',
      '(0009,1001) LO [a private value]',
      '(0009,1002) SQ (Sequence with undefined length #=1)',
      '  (fffe,e000) na (Item with undefined length #=1)',
      '    (0009,1003) LO [inside a private sequence]',
      '  (fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
      '(0018,9346) SQ (Sequence with undefined length #=0)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
      '(0028,3010) SQ (Sequence with undefined length #=0)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
    ],
  });
  const syntaxes = { '+te': TS.explicitLE, '+ti': TS.implicitLE, '+tb': TS.explicitBE, '+td': TS.deflatedLE };
  for (const [flag, ts] of Object.entries(syntaxes)) {
    for (const lengths of ['+e', '-e']) {
      for (const extra of [[], ['+g'], ['+p', '256', '8']]) {
        const out = join(dir, `seq${flag}${lengths}${extra.join('')}.dcm`);
        execFileSync('dcmconv', [flag, lengths, ...extra, seq, out], { stdio: 'pipe' });
        files.push({ name: `sequences ${flag} ${lengths} ${extra.join(' ')} (${ts})`, bytes: readFileSync(out), options: {} });
      }
    }
  }
  // A bare implicit data set with sequences, as Lumen hands it over.
  const bare = join(dir, 'seq-bare.dcm');
  execFileSync('dcmconv', ['-F', '+ti', '-e', seq, bare], { stdio: 'pipe' });
  files.push({ name: 'sequences, bare implicit', bytes: readFileSync(bare), options: { TransferSyntaxUID: TS.implicitLE } });

  const disc = join(dir, 'disc');
  mkdirSync(join(disc, 'DICOM'), { recursive: true });
  for (let i = 1; i <= 3; i++) {
    writeSlice(join(disc, 'DICOM', `IMG${i}`), { patientName: 'DIR^TEST', patientId: 'D1', studyUid: '1.2.3.9', seriesUid: '1.2.3.9.1', sopUid: `1.2.3.9.1.${i}`, instanceNumber: i });
  }
  files.push({ name: 'DICOMDIR', bytes: readFileSync(makeDicomdir(disc, ['DICOM/IMG1', 'DICOM/IMG2', 'DICOM/IMG3'])), options: {} });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDicomFast gives what dicom-parser gives', () => {
  it('on every fixture, broken file, sequence file and DICOMDIR, with and without untilTag', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      same(f.bytes, f.options);
      same(f.bytes, { ...f.options, untilTag: 'x7fe00010' });
      same(f.bytes, { ...f.options, untilTag: 'x00080060' });
    }
  });

  it('reads sequence items and private sequences the way dicom-parser does', () => {
    // Not only equal: the nested item must be there, so the comparison above covered sequences.
    for (const f of files.filter((x) => x.name.startsWith('sequences') && !x.name.includes('+tb') && !x.name.includes('+td'))) {
      const ds = parseDicomFast(f.bytes, f.options);
      const outer = ds.elements.x00081140?.items;
      expect(outer?.length, f.name).toBe(2);
      expect(outer![0].dataSet!.string('x00081155')).toBe('1.2.3.4.5');
      expect(outer![1].dataSet!.elements.x0040a730.items![0].dataSet!.string('x0040a160')).toBe('nested text');
      expect(ds.string('x00091001')).toBe('a private value');
      expect(ds.string('x00100010')).toBe('SEQ^TEST');
    }
  });

  it('on copies truncated at every byte of the header', () => {
    const before = checked;
    for (const f of files) {
      const end = Math.min(f.bytes.length, headerEnd(f.bytes));
      // Every byte for the first files of each kind, every third byte for the rest.
      const step = /explicit$|implicit$|sequences|DICOMDIR|raw|nopreamble/.test(f.name) ? 1 : 3;
      for (let n = 1; n < end; n += step) same(f.bytes.subarray(0, n), f.options);
      for (const n of [end + 1, Math.floor((end + f.bytes.length) / 2), f.bytes.length - 1]) if (n > 0 && n < f.bytes.length) same(f.bytes.subarray(0, n), f.options);
    }
    expect(checked - before).toBeGreaterThan(20_000);
  });

  it('on copies with one bit flipped in the header', () => {
    const random = rng(4242);
    const before = checked;
    for (const f of files) {
      const end = Math.min(f.bytes.length, headerEnd(f.bytes));
      const copy = Buffer.from(f.bytes);
      for (let i = 0; i < 120; i++) {
        const at = Math.floor(random() * end);
        const bit = 1 << Math.floor(random() * 8);
        copy[at] ^= bit;
        same(copy, f.options);
        copy[at] ^= bit;
      }
    }
    expect(checked - before).toBeGreaterThan(10_000);
  });
});
