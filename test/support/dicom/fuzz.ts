// Fuzzing the whole path a file takes: the import's header parse, then the full
// parse, every frame decoded and a model input made, on damaged copies of real
// files. Each case must end in a result or a DicomFileError (a reason naming
// the file); anything else (a TypeError, a thrown string, a RangeError from an
// allocation sized by the header) is a crash. The copies come from a seeded
// generator (common/random.ts), so a failing case is reproduced from its seed
// and mutation alone. Used by test/dicom/fuzz.test.ts and `lumen bench fuzz`.
import dicomParser from 'dicom-parser';
import { mulberry32 } from '../../../common/random';
import { decodeFrame } from '../../../electron/dicom/decode';
import { DicomFileError, parseDicomBuffer, pixelDataProblem, TS } from '../../../electron/dicom/parse';
import { modelInput, renderDecoded } from '../../../electron/dicom/pixels';

export interface FuzzSeed {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzCase {
  /** Which seed file, and what was done to it, in words (enough to reproduce it with the run's seed). */
  seed: string;
  mutation: string;
  bytes: Uint8Array;
}

export interface FuzzOutcome {
  /** 'result': decoded (every frame, a model input); 'error': refused with a DicomFileError; 'crash': anything else. */
  kind: 'result' | 'error' | 'crash';
  detail?: string;
  frames?: number;
}

/** Signs of a library's or the runtime's own message in a reason meant for a person. */
export const LIBRARY_WORDS = /dicomParser|ByteArrayParser|Maximum call stack|TypeError|RangeError|\bundefined\b|Cannot read|is not a function|\bNaN\b|\[object /;

/** Frames decoded per case: every frame up to this many, then the last (a damaged count may still leave thousands of tiny frames). */
const MAX_FRAMES_PER_CASE = 16;
/** The model input's side: small, the resize and normalisation run all the same. */
const INPUT_SIZE = 16;

/**
 * One case, as the app would meet the file: the import's header parse (up to the
 * pixel data) and its checks, then the full parse, every frame decoded and
 * rendered into a model input.
 */
export async function runFuzzCase(bytes: Uint8Array, file = 'fuzz.dcm'): Promise<FuzzOutcome> {
  try {
    const head = parseDicomBuffer(bytes, file, { untilTag: 'x7fe00010' });
    const { patientName, patientId, studyDescription, seriesDescription, accessionNumber } = head.meta;
    for (const text of [patientName, patientId, studyDescription, seriesDescription, accessionNumber]) {
      if (text !== undefined && LONE_SURROGATE.test(text)) return { kind: 'crash', detail: 'a name or description was decoded to text that is not valid Unicode (a lone surrogate)' };
    }
    const refused = pixelDataProblem(head.meta);
    if (refused) return { kind: 'error', detail: refused };
    const parsed = parseDicomBuffer(bytes, file);
    const n = parsed.meta.numberOfFrames;
    const frames = n <= MAX_FRAMES_PER_CASE ? Array.from({ length: n }, (_, i) => i) : [...Array.from({ length: MAX_FRAMES_PER_CASE }, (_, i) => i), n - 1];
    for (const f of frames) {
      const frame = await decodeFrame(parsed, f);
      const expected = frame.rows * frame.columns * frame.samplesPerPixel;
      if (frame.pixels.length !== expected) return { kind: 'crash', detail: `frame ${f + 1} has ${frame.pixels.length} samples, not ${expected}` };
      const input = modelInput(renderDecoded(parsed, frame), INPUT_SIZE, { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], resize: 'area' });
      if (input.length !== INPUT_SIZE * INPUT_SIZE * 3) return { kind: 'crash', detail: `frame ${f + 1}'s model input has ${input.length} values` };
    }
    return { kind: 'result', frames: n };
  } catch (err) {
    if (err instanceof DicomFileError && err.file === file && err.reason.length > 0) {
      // A reason in the words of a library (dicom-parser's function names, a JavaScript error) is a failure too.
      if (LIBRARY_WORDS.test(err.reason)) return { kind: 'crash', detail: `a library's message reached the user: ${err.reason}` };
      return { kind: 'error', detail: err.reason };
    }
    const what = err instanceof Error ? `${err.name}: ${err.message}` : `thrown ${typeof err}: ${String(err)}`;
    return { kind: 'crash', detail: `${what.slice(0, 300)}${err instanceof Error && err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}` };
  }
}

/** Where an element's length field is, from dicom-parser's element (dataOffset and VR). */
interface ElementSite {
  tag: string;
  vr?: string;
  dataOffset: number;
  length: number;
  /** Offset and size (2 or 4 bytes) of the length field. */
  lengthAt: number;
  lengthSize: 2 | 4;
  /** Inside a sequence item (its value's length counts in the enclosing ones). */
  nested: boolean;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

interface SeedInfo extends FuzzSeed {
  littleEndian: boolean;
  explicit: boolean;
  deflated: boolean;
  elements: ElementSite[];
  /** Item headers (offset of the FFFE,E000 tag) of the encapsulated pixel data, offset table first. */
  items: number[];
  pixelOffset: number;
}

function describe(seed: FuzzSeed): SeedInfo {
  const parsed = parseDicomBuffer(seed.bytes, seed.name);
  const ts = parsed.meta.transferSyntaxUid;
  const info: SeedInfo = {
    ...seed,
    littleEndian: ts !== TS.explicitBE,
    explicit: ts !== TS.implicitLE,
    deflated: ts === TS.deflatedLE,
    elements: [],
    items: [],
    pixelOffset: parsed.dataSet.elements.x7fe00010?.dataOffset ?? seed.bytes.length,
  };
  if (info.deflated) return info; // its data set is compressed: only bit flips and cuts make sense
  const walk = (ds: dicomParser.DataSet, nested: boolean) => {
    for (const el of Object.values(ds.elements)) {
      const meta = el.tag < 'x00030000';
      const explicit = meta || info.explicit;
      const long = !explicit || (el.vr !== undefined && LONG_VRS.has(el.vr));
      info.elements.push({ tag: el.tag, vr: el.vr, dataOffset: el.dataOffset, length: el.length, lengthAt: el.dataOffset - (long ? 4 : 2), lengthSize: long ? 4 : 2, nested });
      for (const item of el.items ?? []) if (item.dataSet) walk(item.dataSet, true);
    }
  };
  walk(parsed.dataSet, false);
  const px = parsed.dataSet.elements.x7fe00010;
  if (px?.encapsulatedPixelData && px.fragments) {
    info.items.push(px.dataOffset);
    for (const f of px.fragments) info.items.push(f.position - 8);
  }
  return info;
}

const INTERESTING_LENGTHS = [0, 1, 2, 3, 7, 0xfff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_US = [0, 1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 64, 255, 256, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_STRINGS = ['0', '1', '-1', '2', '3', '2147483647', '4294967296', '-2147483648', '1e308', '-1e308', 'NaN', '', ' ', '\\\\\\', '1.5'];
const PHOTOMETRICS = ['MONOCHROME1', 'MONOCHROME2', 'RGB', 'PALETTE COLOR', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'YBR_ICT', 'YBR_PARTIAL_420', 'ARGB', ''];
const SYNTAXES = [TS.implicitLE, TS.explicitLE, TS.explicitBE, TS.deflatedLE, TS.rle, TS.jpegBaseline, TS.jpegExtended, TS.jpegLossless14, TS.jpegLosslessSV1, TS.jpegLsLossless, TS.j2kLossless, TS.htj2kLossless, '1.2.840.10008.1.2.4.100', '1.2.3'];
/** Group 0028 elements whose values size the decode. */
const IMAGE_US_TAGS = ['x00280002', 'x00280006', 'x00280010', 'x00280011', 'x00280100', 'x00280101', 'x00280102', 'x00280103', 'x00281101', 'x00281102', 'x00281103'];
const IMAGE_STRING_TAGS = ['x00280008', 'x00281050', 'x00281051', 'x00281052', 'x00281053', 'x00280030'];
/**
 * Patient names as a hostile file writes them (what the request audit, test/security/, refuses
 * from the page): raw bytes, and the character set they are read in (none: the default).
 */
const HOSTILE_NAMES: [what: string, bytes: number[], charset?: string][] = [
  ['a NUL inside', [0x41, 0x00, 0x42]],
  ['an escape sequence', [0x1b, 0x5b, 0x32, 0x4a, 0x41]],
  ['a C1 control (CSI in Latin-1)', [0x41, 0x9b, 0x32, 0x4a], 'ISO_IR 100'],
  ['bytes that are not UTF-8', [0x41, 0xff, 0xfe, 0xc0, 0xaf], 'ISO_IR 192'],
  ['a UTF-8-encoded surrogate', [0x41, 0xed, 0xa0, 0x80, 0x42], 'ISO_IR 192'],
  ['a UTF-8 sequence cut short', [0x41, 0xe2, 0x80], 'ISO_IR 192'],
  ['a bidirectional override', [0x41, 0xe2, 0x80, 0xae, 0x42], 'ISO_IR 192'],
  ['an ISO 2022 escape cut short', [0x41, 0x1b, 0x24], 'ISO 2022 IR 87'],
  ['64 KiB of letters', Array.from({ length: 0xfffe }, () => 0x41)],
];
/** A lone UTF-16 surrogate: text no decoder should make (SQLite and JSON would change it). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * `count` damaged copies of the seeds, reproducible from `seed`: first each
 * small seed cut at every byte of its header (as many as fit in a quarter of
 * the cases), then random mutations (bit flips, lengths set to huge or odd
 * values, image-size fields, photometric interpretation, transfer syntax,
 * nested and undefined-length sequences, fragment items and basic and
 * extended offset tables, cuts, splices).
 */
export function* fuzzCases(seeds: FuzzSeed[], seed: number, count: number): Generator<FuzzCase> {
  const infos = seeds.map(describe);
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const int = (n: number) => Math.floor(random() * n);
  let made = 0;

  // Every header byte of the smallest seeds of each layout.
  const sweep = infos.filter((s) => s.bytes.length <= 16 * 1024).sort((a, b) => a.pixelOffset - b.pixelOffset);
  const sweepBudget = Math.floor(count / 4);
  for (const s of sweep) {
    const end = Math.min(s.bytes.length, s.pixelOffset + 32);
    if (made + end > sweepBudget) continue;
    for (let n = 1; n < end; n++, made++) yield { seed: s.name, mutation: `cut at byte ${n}`, bytes: s.bytes.subarray(0, n) };
  }

  const mutators: ((s: SeedInfo) => { mutation: string; bytes: Uint8Array } | undefined)[] = [
    (s) => {
      const copy = Uint8Array.from(s.bytes);
      const flips: string[] = [];
      for (let k = 1 + int(4); k > 0; k--) {
        // Mostly the header, where a flipped bit changes the structure.
        const at = random() < 0.8 ? int(Math.min(copy.length, s.pixelOffset + 64)) : int(copy.length);
        const bit = int(8);
        copy[at] ^= 1 << bit;
        flips.push(`${at}.${bit}`);
      }
      return { mutation: `bits flipped at ${flips.join(', ')}`, bytes: copy };
    },
    (s) => {
      const at = int(s.bytes.length);
      const copy = Uint8Array.from(s.bytes);
      copy[at] = pick([0, 0xff, 0x80, 0x7f, int(256)]);
      return { mutation: `byte ${at} set to ${copy[at]}`, bytes: copy };
    },
    (s) => {
      if (s.elements.length === 0) return undefined;
      const el = pick(s.elements);
      const copy = Uint8Array.from(s.bytes);
      const choices = [...INTERESTING_LENGTHS, el.length + 1, el.length - 1, el.length * 2, s.bytes.length, s.bytes.length - el.dataOffset, s.bytes.length - el.dataOffset + 1];
      const value = pick(choices) >>> 0;
      const size = el.lengthSize;
      const v = size === 2 ? value & 0xffff : value;
      writeUint(copy, el.lengthAt, size, v, s.littleEndian || el.tag < 'x00030000');
      return { mutation: `length of ${el.tag} set to ${v}`, bytes: copy };
    },
    (s) => {
      const el = s.elements.find((e) => e.tag === pick(IMAGE_US_TAGS) && !e.nested && e.length >= 2);
      if (!el) return undefined;
      const copy = Uint8Array.from(s.bytes);
      const index = int(Math.min(3, el.length >> 1));
      const value = pick(INTERESTING_US);
      writeUint(copy, el.dataOffset + index * 2, 2, value, s.littleEndian);
      return { mutation: `${el.tag}[${index}] set to ${value}`, bytes: copy };
    },
    (s) => {
      const tag = pick([...IMAGE_STRING_TAGS, 'x00280004']);
      const text = tag === 'x00280004' ? pick(PHOTOMETRICS) : pick(INTERESTING_STRINGS);
      const el = s.elements.find((e) => e.tag === tag && !e.nested);
      const inserted = el ? undefined : tag === 'x00280008' || tag === 'x00280004';
      const bytes = el ? replaceValue(s, el, latin1(text)) : inserted ? insertElement(s, tag, tag === 'x00280004' ? 'CS' : 'IS', latin1(text)) : undefined;
      return bytes && { mutation: `${tag} ${el ? 'set' : 'added'} as "${text}"`, bytes };
    },
    (s) => {
      const el = s.elements.find((e) => e.tag === 'x00020010');
      if (!el) return undefined;
      const uid = pick(SYNTAXES);
      return { mutation: `transfer syntax set to ${uid}`, bytes: replaceValue(s, el, latin1(uid.length % 2 ? `${uid}\0` : uid)) };
    },
    (s) => {
      if (!s.explicit || !s.littleEndian || s.deflated) return undefined;
      const depth = pick([1, 2, 3, 10, 100, 1000, 5000]);
      const variant = pick(['delimited', 'no delimiters', 'defined lengths too short', 'defined lengths too long', 'item length huge']);
      return { mutation: `sequence nested ${depth} deep, ${variant}, before the pixel data`, bytes: splice(s.bytes, s.pixelOffset - 12, 0, nestedSequence(depth, variant)) };
    },
    (s) => {
      if (s.items.length === 0) return undefined;
      const copy = Uint8Array.from(s.bytes);
      const item = int(s.items.length);
      const at = s.items[item];
      const what = pick(['length', 'tag', 'offset table', 'delimiter', 'duplicate', 'empty fragment']);
      switch (what) {
        case 'length': {
          const v = pick([...INTERESTING_LENGTHS, readUint(copy, at + 4, 4, true) + 1, readUint(copy, at + 4, 4, true) - 2]) >>> 0;
          writeUint(copy, at + 4, 4, v, true);
          return { mutation: `item ${item} of the pixel data: length set to ${v}`, bytes: copy };
        }
        case 'tag':
          writeUint(copy, at + 2, 2, pick([0xe0dd, 0xe00d, 0x0010, 0xe001]), true);
          return { mutation: `item ${item} of the pixel data: tag changed`, bytes: copy };
        case 'offset table': {
          const n = readUint(copy, s.items[0] + 4, 4, true) >> 2;
          if (n === 0) return { mutation: 'offset table: filled', bytes: splice(copy, s.items[0] + 4, 4, offsetTable(pick([1, 2, 3, 7, 1000]), random)) };
          const entry = int(n);
          const v = pick([0, 1, 2, 0x7fffffff, 0xffffffff, int(s.bytes.length)]) >>> 0;
          writeUint(copy, s.items[0] + 8 + entry * 4, 4, v, true);
          return { mutation: `offset table entry ${entry} set to ${v}`, bytes: copy };
        }
        case 'delimiter':
          return { mutation: 'pixel data sequence delimiter cut off', bytes: copy.subarray(0, Math.max(0, copy.length - 8)) };
        case 'duplicate': {
          const len = readUint(copy, at + 4, 4, true);
          if (item === 0 || at + 8 + len > copy.length) return undefined;
          return { mutation: `item ${item} of the pixel data repeated`, bytes: splice(copy, at, 0, copy.subarray(at, at + 8 + len)) };
        }
        default:
          return { mutation: `empty fragment before item ${item}`, bytes: splice(copy, at, 0, Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0])) };
      }
    },
    (s) => {
      // The extended offset table (7FE0,0001) and its lengths (7FE0,0002): 64-bit entries.
      const el = s.elements.find((e) => e.tag === pick(['x7fe00001', 'x7fe00002']) && e.length >= 8);
      if (!el) return undefined;
      const copy = Uint8Array.from(s.bytes);
      const entry = int(el.length >> 3);
      const [lo, hi] = pick([[0, 0], [1, 0], [0xffffffff, 0xffffffff], [0, 1], [0x7fffffff, 0], [int(s.bytes.length), 0]]);
      writeUint(copy, el.dataOffset + entry * 8, 4, lo, true);
      writeUint(copy, el.dataOffset + entry * 8 + 4, 4, hi, true);
      return { mutation: `${el.tag} entry ${entry} set to ${hi} * 2^32 + ${lo}`, bytes: copy };
    },
    (s) => {
      const n = int(s.bytes.length);
      return { mutation: `cut at byte ${n}`, bytes: s.bytes.subarray(0, n) };
    },
    (s) => {
      const el = s.elements.find((e) => e.tag === 'x00100010' && !e.nested);
      if (!el || s.deflated) return undefined;
      const [what, raw, charset] = pick(HOSTILE_NAMES);
      // Even (DICOM values are), and at most 0xfffe bytes: what an explicit VR's 2-byte length holds.
      const value = Uint8Array.from(raw.length % 2 ? [...raw, 0x20] : raw);
      // The character set goes in just before the pixel data, after the name: the name's offsets hold.
      const withCharset = charset ? insertElement(s, 'x00080005', 'CS', latin1(charset)) : s.bytes;
      return withCharset && { mutation: `patient name set to ${what}${charset ? ` (${charset})` : ''}`, bytes: replaceValue({ ...s, bytes: withCharset }, el, value) };
    },
    (s) => {
      // Another seed's bytes from a point on: e.g. one syntax's pixel data under another's header.
      const other = pick(infos);
      const from = int(s.bytes.length);
      const to = int(other.bytes.length);
      return { mutation: `from byte ${from}, ${other.name} from its byte ${to}`, bytes: concat(s.bytes.subarray(0, from), other.bytes.subarray(to)) };
    },
  ];
  while (made < count) {
    const s = pick(infos);
    const which = int(mutators.length);
    const m = mutators[which](s);
    if (!m) continue;
    made++;
    yield { seed: s.name, ...m };
  }
}

function latin1(text: string): Uint8Array {
  const padded = text.length % 2 ? `${text} ` : text;
  return Uint8Array.from(padded, (c) => c.charCodeAt(0) & 0xff);
}

function readUint(bytes: Uint8Array, at: number, size: 2 | 4, little: boolean): number {
  if (at < 0 || at + size > bytes.length) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return size === 2 ? view.getUint16(at, little) : view.getUint32(at, little);
}

function writeUint(bytes: Uint8Array, at: number, size: 2 | 4, value: number, little: boolean): void {
  if (at < 0 || at + size > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size === 2) view.setUint16(at, value & 0xffff, little);
  else view.setUint32(at, value >>> 0, little);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const start = Math.max(0, Math.min(at, bytes.length));
  return concat(concat(bytes.subarray(0, start), insert), bytes.subarray(Math.min(bytes.length, start + remove)));
}

/** The element's value replaced (its length field updated; the meta group length too, for group 0002). */
function replaceValue(s: SeedInfo, el: ElementSite, value: Uint8Array): Uint8Array {
  const out = splice(s.bytes, el.dataOffset, el.length, value);
  const little = s.littleEndian || el.tag < 'x00030000';
  writeUint(out, el.lengthAt, el.lengthSize, value.length, little);
  const groupLength = s.elements.find((e) => e.tag === 'x00020000');
  if (el.tag < 'x00030000' && groupLength) writeUint(out, groupLength.dataOffset, 4, readUint(s.bytes, groupLength.dataOffset, 4, true) + value.length - el.length, true);
  return out;
}

/** A new element just before the pixel data (explicit or implicit, as the seed is). */
function insertElement(s: SeedInfo, tag: string, vr: string, value: Uint8Array): Uint8Array | undefined {
  if (s.deflated || s.pixelOffset >= s.bytes.length) return undefined;
  const group = parseInt(tag.slice(1, 5), 16);
  const element = parseInt(tag.slice(5), 16);
  const head = new Uint8Array(8);
  writeUint(head, 0, 2, group, s.littleEndian);
  writeUint(head, 2, 2, element, s.littleEndian);
  if (s.explicit) {
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    writeUint(head, 6, 2, value.length, s.littleEndian);
  } else {
    writeUint(head, 4, 4, value.length, s.littleEndian);
  }
  const pixelHeader = s.explicit ? 12 : 8;
  return splice(s.bytes, s.pixelOffset - pixelHeader, 0, concat(head, value));
}

/** (0009,1010) SQ holding `depth` levels of one item each, explicit VR little endian. */
export function nestedSequence(depth: number, variant: string): Uint8Array {
  const defined = variant.startsWith('defined');
  const leaf = Uint8Array.from([0x09, 0x00, 0x11, 0x10, 0x4c, 0x4f, 0x04, 0x00, 0x54, 0x45, 0x53, 0x54]); // (0009,1011) LO "TEST"
  let inner: Uint8Array = leaf;
  for (let d = 0; d < depth; d++) {
    const itemLength = variant === 'item length huge' && d === 0 ? 0x7ffffff0 : defined ? inner.length + (variant.endsWith('short') ? -2 : 6) : 0xffffffff;
    const item = concat(Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, ...u32(itemLength)]), inner);
    const body = defined || variant === 'no delimiters' ? item : concat(item, Uint8Array.from([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]));
    const seqLength = defined ? body.length + (variant.endsWith('short') ? -4 : 4) : 0xffffffff;
    const seq = concat(Uint8Array.from([0x09, 0x00, 0x10, 0x10, 0x53, 0x51, 0, 0, ...u32(seqLength)]), body);
    inner = defined || variant === 'no delimiters' ? seq : concat(seq, Uint8Array.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]));
  }
  return inner;
}

function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** A basic offset table item's length and entries (replacing an empty table's zero length). */
function offsetTable(entries: number, random: () => number): Uint8Array {
  const out: number[] = [...u32(entries * 4)];
  for (let i = 0; i < entries; i++) out.push(...u32(Math.floor(random() * 2 ** 32)));
  return Uint8Array.from(out);
}

