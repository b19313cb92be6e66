// An element that runs past the end of the sequence item holding it, or an item past the end of
// its sequence, while both stay inside the file. dcmtk's dump2dcm writes the original (a Referenced
// Image Sequence of two items) and dcmconv writes it with defined lengths in implicit VR little
// endian, explicit VR little endian and explicit VR big endian (the test deflates the explicit one
// too); the test then lengthens one value or shortens the sequence, as a damaged file would.
//
// The references disagree on a recovery, so Lumen refuses such a file and says where it is damaged:
// - element past its item: dcmtk's dcmdump stops ("Length of element larger than explicit length
//   of surrounding item", exit 1); GDCM's gdcmdump keeps the sequence as bytes without items and
//   reads on after it.
// - item past its sequence: dcmdump reads the item whole and reads on after it, without a word;
//   gdcmdump fails ("Failed to read").
// Before this, dicom-parser read the implicit files without a word from the wrong place (item 2
// swallowed into item 1's UID, or the top level read from the middle of an item), and called the
// explicit one truncated.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomFileError, parseDicomBuffer } from '../../electron/dicom/parse';
import { dumpItem, dumpSequence, writeDump2dcm } from '../support/dicom/dump2dcm';

let dir = '';
const files: Record<'implicit' | 'explicit' | 'big', Buffer> = {} as never;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-item-overrun-'));
  const original = writeDump2dcm(join(dir, 'original.dcm'), {
    sopClass: 'CTImageStorage',
    sopInstanceUid: '1.2.826.0.1.3680043.10.9.88.3',
    modality: 'CT',
    rows: 2,
    columns: 2,
    lines: [
      '(0010,0010) PN [Item^Overrun]',
      '(0010,0020) LO [IO001]',
      '(0020,000d) UI [1.2.826.0.1.3680043.10.9.88.1]',
      '(0020,000e) UI [1.2.826.0.1.3680043.10.9.88.2]',
      ...dumpSequence('0040,0275', [dumpItem([...dumpSequence('0040,0008', [dumpItem(['(0008,0100) SH [NESTED1]', '(0008,0102) SH [99LUMEN]'])]), '(0040,0009) SH [STEP1]'])]),
      ...dumpSequence('0008,1140', [
        dumpItem(['(0008,1150) UI =CTImageStorage', '(0008,1155) UI [1.2.826.0.1.3680043.10.9.88.6]']),
        dumpItem(['(0008,1150) UI =CTImageStorage', '(0008,1155) UI [1.2.826.0.1.3680043.10.9.88.7]']),
      ]),
    ],
    pixels: new Uint8Array([1, 0, 2, 0, 3, 0, 4, 0]),
  });
  for (const [name, syntax] of [['implicit', '+ti'], ['explicit', '+te'], ['big', '+tb']] as const) {
    const out = join(dir, `${name}.dcm`);
    execFileSync('dcmconv', [syntax, '+e', original, out], { stdio: 'pipe' });
    files[name] = readFileSync(out);
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Where the sequence, its items and item 1's Referenced SOP Instance UID lie in a file as dcmconv wrote it. */
function layout(bytes: Buffer, syntax: 'implicit' | 'explicit' | 'big') {
  const le = syntax !== 'big';
  const tag = (g: number, e: number) => {
    const b = Buffer.alloc(4);
    if (le) {
      b.writeUInt16LE(g, 0);
      b.writeUInt16LE(e, 2);
    } else {
      b.writeUInt16BE(g, 0);
      b.writeUInt16BE(e, 2);
    }
    return b;
  };
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const sequence = bytes.indexOf(tag(0x0008, 0x1140), 132);
  const sequenceLengthAt = sequence + (syntax === 'implicit' ? 4 : 8);
  const sequenceValue = sequenceLengthAt + 4;
  const sequenceEnd = sequenceValue + u32(sequenceLengthAt);
  const item1 = bytes.indexOf(tag(0xfffe, 0xe000), sequence);
  const item1End = item1 + 8 + u32(item1 + 4);
  const item2 = bytes.indexOf(tag(0xfffe, 0xe000), item1 + 8);
  const uid = bytes.indexOf(tag(0x0008, 0x1155), item1);
  const uidLengthAt = uid + (syntax === 'implicit' ? 4 : 6);
  const uidValue = uid + 8;
  expect(sequence).toBeGreaterThan(132);
  expect(item2).toBe(item1End);
  expect(uid).toBeLessThan(item1End);
  return { le, sequenceLengthAt, sequenceEnd, item1End, item2, uidLengthAt, uidValue, item2End: item2 + 8 + u32(item2 + 4) };
}

function withLength(bytes: Buffer, at: number, value: number, size: 2 | 4, le: boolean): Buffer {
  const copy = Buffer.from(bytes);
  if (size === 2 && le) copy.writeUInt16LE(value, at);
  else if (size === 2) copy.writeUInt16BE(value, at);
  else if (le) copy.writeUInt32LE(value, at);
  else copy.writeUInt32BE(value, at);
  return copy;
}

function parseError(bytes: Buffer, name: string): string {
  try {
    parseDicomBuffer(bytes, name);
  } catch (err) {
    expect(err).toBeInstanceOf(DicomFileError);
    return (err as DicomFileError).reason;
  }
  throw new Error(`${name} parsed without an error`);
}

/** What dcmtk's dcmdump says of a file: its exit status and its error and warning lines. */
function dcmdump(bytes: Buffer, name: string): { status: number | null; said: string } {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const run = spawnSync('dcmdump', [file], { encoding: 'utf8' });
  return { status: run.status, said: `${run.stderr}${run.stdout}`.split('\n').filter((l) => /^[EW]:/.test(l)).join('\n') };
}

describe('an element that runs past the end of its sequence item, inside the file', () => {
  it('reads the undamaged files: both items, each with its own UID', () => {
    for (const syntax of ['implicit', 'explicit', 'big'] as const) {
      const { dataSet } = parseDicomBuffer(files[syntax], `${syntax}.dcm`);
      const items = dataSet.elements.x00081140.items ?? [];
      expect(items.map((i) => i.dataSet?.string('x00081155')), syntax).toEqual(['1.2.826.0.1.3680043.10.9.88.6', '1.2.826.0.1.3680043.10.9.88.7']);
      expect(dataSet.string('x00100020'), syntax).toBe('IO001');
    }
  });

  it('implicit VR: a UID that swallows the next item is refused, naming the element, the item and the bytes', () => {
    const at = layout(files.implicit, 'implicit');
    // To the sequence's end exactly: dicom-parser read one item, its UID holding item 2, and went on.
    const declared = at.sequenceEnd - at.uidValue;
    const bytes = withLength(files.implicit, at.uidLengthAt, declared, 4, true);
    expect(dcmdump(bytes, 'implicit-swallow.dcm')).toMatchObject({ status: 1, said: expect.stringMatching(/larger than explicit length of surrounding item/) });
    expect(parseError(bytes, 'implicit-swallow.dcm')).toBe(
      `element beyond its sequence item: element (0008,1155) in item 1 of (0008,1140) declares ${declared} bytes from byte ${at.uidValue} to byte ${at.uidValue + declared}, but the item ends at byte ${at.item1End}. The file is corrupt; export it again from its source.`,
    );
  });

  it('implicit VR: a UID 4 bytes too long (into the next item\'s header) is refused in the same words', () => {
    const at = layout(files.implicit, 'implicit');
    const declared = at.item1End - at.uidValue + 4;
    const bytes = withLength(files.implicit, at.uidLengthAt, declared, 4, true);
    expect(dcmdump(bytes, 'implicit-4.dcm').status).toBe(1);
    expect(parseError(bytes, 'implicit-4.dcm')).toMatch(new RegExp(`^element beyond its sequence item: element \\(0008,1155\\) in item 1 of \\(0008,1140\\) declares ${declared} bytes from byte ${at.uidValue} to byte ${at.uidValue + declared}, but the item ends at byte ${at.item1End}\\.`));
  });

  it('explicit VR, little and big endian: the same, not "truncated"', () => {
    for (const syntax of ['explicit', 'big'] as const) {
      const at = layout(files[syntax], syntax);
      const declared = at.sequenceEnd - at.uidValue;
      const bytes = withLength(files[syntax], at.uidLengthAt, declared, 2, at.le);
      expect(dcmdump(bytes, `${syntax}-swallow.dcm`)).toMatchObject({ status: 1, said: expect.stringMatching(/larger than explicit length of surrounding item/) });
      expect(parseError(bytes, `${syntax}-swallow.dcm`), syntax).toBe(
        `element beyond its sequence item: element (0008,1155) in item 1 of (0008,1140) declares ${declared} bytes from byte ${at.uidValue} to byte ${at.uidValue + declared}, but the item ends at byte ${at.item1End}. The file is corrupt; export it again from its source.`,
      );
    }
  });
});

/** The file as Deflated Explicit VR Little Endian: its meta header with that syntax, then its data set deflated. */
function deflated(explicit: Buffer): { bytes: Buffer; dataSetAt: number; inflatedAt: number } {
  let p = 132;
  while (explicit.readUInt16LE(p) === 0x0002) {
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(explicit.toString('latin1', p + 4, p + 6));
    p += long ? 12 + explicit.readUInt32LE(p + 8) : 8 + explicit.readUInt16LE(p + 6);
  }
  const at = explicit.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]), 132);
  const uid = Buffer.from('1.2.840.10008.1.2.1.99', 'latin1');
  const meta = Buffer.concat([explicit.subarray(0, at + 6), Buffer.from([uid.length, 0]), uid, explicit.subarray(at + 8 + explicit.readUInt16LE(at + 6), p)]);
  meta.writeUInt32LE(meta.length - 144, 140);
  // Positions in the inflated data set: the meta header as written, then the data set inflated.
  return { bytes: Buffer.concat([meta, deflateRawSync(explicit.subarray(p))]), dataSetAt: p, inflatedAt: meta.length };
}

describe('a deflated data set', () => {
  it('is refused in the same words, its positions counted in the inflated data set', () => {
    const at = layout(files.explicit, 'explicit');
    const declared = at.sequenceEnd - at.uidValue;
    const { bytes, dataSetAt, inflatedAt } = deflated(withLength(files.explicit, at.uidLengthAt, declared, 2, true));
    const shift = inflatedAt - dataSetAt;
    expect(parseError(bytes, 'deflated.dcm')).toBe(
      `element beyond its sequence item: element (0008,1155) in item 1 of (0008,1140) declares ${declared} bytes from byte ${at.uidValue + shift} to byte ${at.uidValue + shift + declared}, but the item ends at byte ${at.item1End + shift}. The file is corrupt; export it again from its source. (Its byte positions count in the inflated data set.)`,
    );
    // The undamaged file, deflated the same way, reads.
    expect(parseDicomBuffer(deflated(files.explicit).bytes, 'deflated-ok.dcm').dataSet.elements.x00081140.items).toHaveLength(2);
  });
});

describe('nested sequences', () => {
  it('name the element by the items it is in, innermost first (implicit VR)', () => {
    const bytes = Buffer.from(files.implicit);
    const code = bytes.indexOf(Buffer.from([0x08, 0x00, 0x00, 0x01]), bytes.indexOf(Buffer.from([0x40, 0x00, 0x08, 0x00]), 132));
    const innerItemEnd = code + 8 + bytes.readUInt32LE(code + 4) + 8 + bytes.readUInt32LE(code + 8 + bytes.readUInt32LE(code + 4) + 4);
    // Into the outer item's (0040,0009): dicom-parser read "STEP1" as part of the code value.
    const declared = innerItemEnd - (code + 8) + 8;
    bytes.writeUInt32LE(declared, code + 4);
    expect(parseError(bytes, 'nested.dcm')).toMatch(new RegExp(`^element beyond its sequence item: element \\(0008,0100\\) in item 1 of \\(0040,0008\\) in item 1 of \\(0040,0275\\) declares ${declared} bytes from byte ${code + 8} to byte ${code + 8 + declared}, but the item ends at byte ${innerItemEnd}\\.`));
  });
});

describe('a sequence item that runs past the end of its defined-length sequence', () => {
  it('is refused in every syntax, naming the item, the sequence and the bytes', () => {
    for (const syntax of ['implicit', 'explicit', 'big'] as const) {
      const at = layout(files[syntax], syntax);
      // The sequence 10 bytes short: item 2 runs 10 bytes past it (dicom-parser read on without a word).
      const length = at.sequenceEnd - 10 - (at.sequenceLengthAt + 4);
      const bytes = withLength(files[syntax], at.sequenceLengthAt, length, 4, at.le);
      expect(parseError(bytes, `${syntax}-short-sequence.dcm`), syntax).toBe(
        `item beyond its sequence: item 2 of (0008,1140) declares ${at.item2End - at.item2 - 8} bytes from byte ${at.item2 + 8} to byte ${at.item2End}, but the sequence ends at byte ${at.sequenceEnd - 10}. The file is corrupt; export it again from its source.`,
      );
    }
  });

  it('refuses a sequence that ends after item 1 while item 2 follows (implicit: read as a top-level element before)', () => {
    const at = layout(files.implicit, 'implicit');
    const bytes = withLength(files.implicit, at.sequenceLengthAt, at.item1End - (at.sequenceLengthAt + 4), 4, true);
    // dcmdump: "Parse error while parsing element (fffe,e000)"; an item tag at the top level is no element.
    expect(dcmdump(bytes, 'implicit-one-item.dcm').status).toBe(1);
    expect(parseError(bytes, 'implicit-one-item.dcm')).toMatch(new RegExp(`sequence item \\(FFFE,E000\\) at byte ${at.item2}, outside any sequence`));
  });
});

describe('an item or delimiter tag after the last element', () => {
  const trailing = (element: number) => {
    const tag = Buffer.alloc(8);
    tag.writeUInt16LE(0xfffe, 0);
    tag.writeUInt16LE(element, 2);
    return Buffer.concat([files.explicit, tag]);
  };

  it('reads on past a stray item delimiter (FFFE,E00D), as dcmtk and GDCM both do', () => {
    const bytes = trailing(0xe00d);
    expect(dcmdump(bytes, 'trailing-e00d.dcm').status).toBe(0);
    const { dataSet } = parseDicomBuffer(bytes, 'trailing-e00d.dcm');
    expect(dataSet.elements.x00081140.items).toHaveLength(2);
    expect(dataSet.elements.x7fe00010.length).toBe(8);
  });

  it('refuses a stray sequence delimiter (FFFE,E0DD) or item (FFFE,E000), as both refuse', () => {
    for (const element of [0xe0dd, 0xe000]) {
      const bytes = trailing(element);
      expect(dcmdump(bytes, `trailing-${element.toString(16)}.dcm`).status).toBe(1);
      expect(parseError(bytes, 'trailing.dcm')).toMatch(new RegExp(`^sequence (delimiter|item) \\(FFFE,${element.toString(16).toUpperCase()}\\) at byte ${files.explicit.length}, outside any sequence`));
    }
  });
});
