// Sequences whose parts do not fit inside each other: an element that runs past the end of the
// sequence item holding it, an item past the end of its sequence, an item tag outside any
// sequence. dicom-parser reads on from the wrong place without a word where the data set is
// implicit VR (and where a sequence's items overrun it, in any syntax), and calls the file
// truncated where it is explicit VR. dcmtk and GDCM disagree on a recovery (dcmtk stops at an
// element past its item and reads an item past its sequence whole; GDCM keeps such a sequence as
// bytes, or fails), so parse.ts refuses such a file, saying where (test/dicom/parse-item-overrun.test.ts).
import type dicomParser from 'dicom-parser';

/** An item of a sequence: the sequence's tag ("xggggeeee") and the item's number, from 1. */
export interface ItemRef {
  sequence: string;
  index: number;
}

/** A part of a sequence that does not fit where it is (byte positions in the bytes parsed). */
export interface SequenceOverrun {
  /**
   * 'element': an element's value runs past the end of its item (or, in an item of undefined
   * length, of its sequence); 'item': an item runs past the end of its sequence; 'stray': an item
   * tag or a sequence delimiter (FFFE,xxxx) where an element belongs (a lone item delimiter is read on).
   */
  kind: 'element' | 'item' | 'stray';
  /** The element's tag (element), the sequence's (item), the stray tag (stray). */
  tag: string;
  /** Outermost first; for 'item' the last is the item that overruns. */
  items: ItemRef[];
  /** Where the value starts (the stray tag itself, for 'stray') and where it declares to end. */
  from: number;
  to: number;
  /** The end it runs past, and what ends there. */
  end: number;
  bound: 'item' | 'sequence';
}

/** An element whose declared value runs past the end of the bytes, and the sequences it is inside (outermost first). */
export interface Overlong {
  kind: 'overlong';
  el: dicomParser.Element;
  within: string[];
}

const UNDEFINED = 0xffffffff;
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);

/**
 * The first element whose value runs past the end of the bytes, or the first part of a sequence
 * that does not fit where it is, in the data set as dicom-parser read it (file order).
 * An element past the end of the file is 'overlong' even inside an item: the file is short.
 */
export function findStructureProblem(dataSet: dicomParser.DataSet, size: number): Overlong | SequenceOverrun | undefined {
  return inDataSet(dataSet, size, -1, 'item', []);
}

function inDataSet(dataSet: dicomParser.DataSet, size: number, end: number, bound: 'item' | 'sequence', items: ItemRef[]): Overlong | SequenceOverrun | undefined {
  // for-in, not Object.values: this runs on every parse, and the array was a tenth of our parse time.
  for (const tag in dataSet.elements) {
    const el = dataSet.elements[tag];
    if (el.length !== UNDEFINED) {
      const to = el.dataOffset + el.length;
      if (to > size) return { kind: 'overlong', el, within: items.map((i) => i.sequence) };
      if (end >= 0 && to > end) return { kind: 'element', tag, items: items.map((r) => ({ ...r })), from: el.dataOffset, to, end, bound };
    }
    // "xfffe": an item or sequence delimiter tag read as an element. An item delimiter (FFFE,E00D)
    // ends an item of undefined length, and where one stands alone dcmtk and GDCM both read on.
    if (tag.charCodeAt(1) === 0x66 && tag.startsWith('xfffe') && tag !== 'xfffee00d') {
      return { kind: 'stray', tag, items: items.map((r) => ({ ...r })), from: el.dataOffset - (el.vr !== undefined && LONG_LENGTH_VRS.has(el.vr) ? 12 : 8), to: el.dataOffset, end, bound };
    }
    if (el.items === undefined) continue;
    const sequenceEnd = el.hadUndefinedLength ? -1 : el.dataOffset + el.length;
    // One list for the whole walk (an Enhanced image has thousands of items): the item's place is pushed, then popped.
    const at: ItemRef = { sequence: tag, index: 0 };
    items.push(at);
    for (let i = 0; i < el.items.length; i++) {
      const item = el.items[i];
      at.index = i + 1;
      const itemEnd = item.dataOffset + item.length;
      let inner: Overlong | SequenceOverrun | undefined;
      if (sequenceEnd >= 0 && itemEnd > sequenceEnd) inner = { kind: 'item', tag, items: items.map((r) => ({ ...r })), from: item.dataOffset, to: itemEnd, end: sequenceEnd, bound: 'sequence' };
      else if (item.dataSet && item.hadUndefinedLength) inner = inDataSet(item.dataSet, size, sequenceEnd >= 0 ? sequenceEnd : end, sequenceEnd >= 0 ? 'sequence' : bound, items);
      else if (item.dataSet) inner = inDataSet(item.dataSet, size, itemEnd, 'item', items);
      if (inner) {
        items.pop();
        return inner;
      }
    }
    items.pop();
  }
  return undefined;
}

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
/** Deeper than this, the scan gives up (dicom-parser's own recursion fails first on such a file). */
const MAX_DEPTH = 64;

/**
 * Where a data set that dicom-parser could not read has a part of a sequence that does not fit
 * (the same answer findStructureProblem gives a data set it could read), walking the bytes
 * themselves: explicit VR throws inside an item, so the partial data set has no sequence to look
 * into. `bareSyntax`: the transfer syntax of bytes without a meta header. Undefined when it finds
 * none, or meets what it cannot follow (an undefined length outside a sequence, a value past the
 * end of the bytes): the parser's own message stands then.
 */
export function scanForSequenceOverrun(bytes: Uint8Array, bareSyntax?: string): SequenceOverrun | undefined {
  let p = 0;
  let syntax = bareSyntax ?? IMPLICIT_LE;
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) {
    // The meta group, explicit VR little endian whatever follows.
    p = 132;
    syntax = '';
    while (p + 8 <= bytes.length && (bytes[p] | (bytes[p + 1] << 8)) === 0x0002) {
      const vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
      const long = LONG_LENGTH_VRS.has(vr);
      const length = long ? u32(bytes, p + 8, true) : bytes[p + 6] | (bytes[p + 7] << 8);
      const value = p + (long ? 12 : 8);
      if (length === UNDEFINED || value + length > bytes.length) return undefined;
      if (bytes[p + 2] === 0x10 && bytes[p + 3] === 0x00) syntax = Buffer.from(bytes.buffer, bytes.byteOffset + value, length).toString('latin1').replace(/[\0 ]+$/, '');
      p = value + length;
    }
  }
  const scan = new Scan(bytes, syntax !== IMPLICIT_LE, syntax !== EXPLICIT_BE);
  const found = scan.dataSet(p, -1, 'item', [], false, 0);
  return typeof found === 'object' && found !== null ? found : undefined;
}

function u32(bytes: Uint8Array, p: number, le: boolean): number {
  return le ? (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0 : ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
}

const tagString = (tag: number) => 'x' + tag.toString(16).padStart(8, '0');

/** Positions are numbers; a problem is an object; null: nothing more can be followed. */
type Step = number | SequenceOverrun | null;

class Scan {
  private readonly n: number;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly explicit: boolean,
    private readonly le: boolean,
  ) {
    this.n = bytes.length;
  }

  private tag(p: number): number {
    const b = this.bytes;
    return this.le ? (b[p] | (b[p + 1] << 8)) * 65536 + (b[p + 2] | (b[p + 3] << 8)) : ((b[p] << 8) | b[p + 1]) * 65536 + ((b[p + 2] << 8) | b[p + 3]);
  }

  /** The elements from `p` to `end` (-1: the end of the bytes), or to an item delimiter where `undefinedItem`; the position after them. */
  dataSet(p: number, end: number, bound: 'item' | 'sequence', items: ItemRef[], undefinedItem: boolean, depth: number): Step {
    const b = this.bytes;
    const stop = end >= 0 ? end : this.n;
    while (p < stop) {
      if (p + 8 > this.n) return null;
      const tag = this.tag(p);
      if (undefinedItem && tag === ITEM_END) return p + 8;
      if (tag >= 0xfffe0000 && tag <= 0xfffeffff && tag !== ITEM_END) return { kind: 'stray', tag: tagString(tag), items, from: p, to: p, end, bound };
      let length: number;
      let value: number;
      let sequence: boolean;
      if (this.explicit) {
        const vr = String.fromCharCode(b[p + 4], b[p + 5]);
        if (LONG_LENGTH_VRS.has(vr)) {
          if (p + 12 > this.n) return null;
          length = u32(b, p + 8, this.le);
          value = p + 12;
        } else {
          length = this.le ? b[p + 6] | (b[p + 7] << 8) : (b[p + 6] << 8) | b[p + 7];
          value = p + 8;
        }
        // An undefined-length UN holds implicit VR items: not followed here.
        if (vr === 'UN' && length === UNDEFINED) return null;
        sequence = vr === 'SQ';
      } else {
        length = u32(b, p + 4, this.le);
        value = p + 8;
        // dicom-parser without a dictionary: a value that starts with an item or a sequence delimiter is a sequence (a private one only of undefined length).
        const next = value + 4 <= this.n ? this.tag(value) : 0;
        sequence = (next === ITEM || next === SEQUENCE_END) && ((tag >>> 16) % 2 === 0 || length === UNDEFINED);
      }
      if (sequence) {
        const sequenceEnd = length === UNDEFINED ? -1 : value + length;
        if (sequenceEnd > this.n) return null;
        if (end >= 0 && sequenceEnd > end) return { kind: 'element', tag: tagString(tag), items, from: value, to: sequenceEnd, end, bound };
        if (depth >= MAX_DEPTH) return null;
        const after = this.items(value, sequenceEnd, tagString(tag), items, end, bound, depth + 1);
        if (typeof after !== 'number') return after;
        p = after;
        continue;
      }
      if (length === UNDEFINED || value + length > this.n) return null;
      if (end >= 0 && value + length > end) return { kind: 'element', tag: tagString(tag), items, from: value, to: value + length, end, bound };
      p = value + length;
    }
    // An item of undefined length without its delimiter before its bound: dicom-parser's word stands.
    return undefinedItem ? null : p;
  }

  /** A sequence's items from `p` to `sequenceEnd` (-1: to its delimiter); the position after them. */
  private items(p: number, sequenceEnd: number, sequence: string, items: ItemRef[], outerEnd: number, outerBound: 'item' | 'sequence', depth: number): Step {
    for (let index = 1; ; index++) {
      if (sequenceEnd >= 0 && p >= sequenceEnd) return p;
      if (p + 8 > this.n) return null;
      const tag = this.tag(p);
      if (sequenceEnd < 0 && tag === SEQUENCE_END) return p + 8;
      if (tag !== ITEM) return null;
      const length = u32(this.bytes, p + 4, this.le);
      const start = p + 8;
      const at = [...items, { sequence, index }];
      let after: Step;
      if (length === UNDEFINED) {
        after = sequenceEnd >= 0 ? this.dataSet(start, sequenceEnd, 'sequence', at, true, depth) : this.dataSet(start, outerEnd, outerBound, at, true, depth);
      } else {
        const itemEnd = start + length;
        if (itemEnd > this.n) return null;
        if (sequenceEnd >= 0 && itemEnd > sequenceEnd) return { kind: 'item', tag: sequence, items: at, from: start, to: itemEnd, end: sequenceEnd, bound: 'sequence' };
        if (sequenceEnd < 0 && outerEnd >= 0 && itemEnd > outerEnd) return null;
        after = this.dataSet(start, itemEnd, 'item', at, false, depth);
      }
      if (typeof after !== 'number') return after;
      p = after;
    }
  }
}

function tagName(tag: string): string {
  return `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();
}

const where = (items: ItemRef[]) => items.map((i) => `item ${i.index} of ${tagName(i.sequence)}`).reverse().join(' in ');

const STRAY_NAMES: Record<string, string> = { xfffee000: 'sequence item', xfffee00d: 'item delimiter', xfffee0dd: 'sequence delimiter' };

/** The reason a file with such a sequence is refused; `at(p)` turns a position in the bytes parsed into one a person finds in the file. */
export function sequenceOverrunReason(o: SequenceOverrun, at: (p: number) => number, note = ''): string {
  const tail = `The file is corrupt; export it again from its source.${note}`;
  if (o.kind === 'stray') {
    const inside = o.items.length ? `in ${where(o.items)}, outside any sequence of it` : 'outside any sequence';
    return `${STRAY_NAMES[o.tag] ?? 'item tag'} ${tagName(o.tag)} at byte ${at(o.from)}, ${inside}: a sequence before it ends too early. ${tail}`;
  }
  const declares = `declares ${o.to - o.from} bytes from byte ${at(o.from)} to byte ${at(o.to)}, but the ${o.bound} ends at byte ${at(o.end)}.`;
  if (o.kind === 'item') return `item beyond its sequence: ${where(o.items)} ${declares} ${tail}`;
  return `element beyond its sequence${o.bound === 'item' ? ' item' : ''}: element ${tagName(o.tag)} in ${where(o.items)} ${declares} ${tail}`;
}
