// dicom-parser's parseDicom, with its element loop made cheap for the data sets
// nearly every file has: implicit or explicit VR little endian.
//
// dicom-parser builds each element's tag as a new string ("x" + hex, three
// concatenations) and its VR one character at a time, and inserting such a
// fresh string as a property key costs V8 a hash and a string-table lookup.
// For a CT slice of 28 elements that was about 12 us of a 23 us parse (the rest
// was reading its values, see rawString in parse.ts): the largest cost after
// the read itself in bulk decoding. Here tags and VRs come from caches of
// interned strings and the flat elements are read in one loop. The whole parse
// (parseDicomBuffer) went from 23 to 10 us per slice.
//
// The result is the same as parseDicom's, element for element, warning for
// warning, and so are the errors (test/dicom/elements.test.ts compares them on
// every fixture and on damaged copies). Every element that is not plain (a
// sequence, an undefined length, the tag named by untilTag, too few bytes left
// for a header, a VR that is not two capital letters) is read by dicom-parser's
// own element reader, and data sets that are not little endian (deflated, big
// endian) go to parseDicom whole. Sequence items, fragments and offset tables
// are therefore always dicom-parser's.
import dicomParser from 'dicom-parser';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';

/** The VRs dicom-parser 1.8 reads with a 4-byte length (exactly its list: OV, SV and UV are not in it). */
const LONG_LENGTH_VRS = ['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN'];

/** Index of a VR of two capital letters in the tables below, or -1. */
function vrIndex(a: number, b: number): number {
  return a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a ? (a - 0x41) * 26 + (b - 0x41) : -1;
}

/** 1 where the VR has a 4-byte length, by vrIndex. */
const longLength = new Uint8Array(26 * 26);
for (const vr of LONG_LENGTH_VRS) longLength[vrIndex(vr.charCodeAt(0), vr.charCodeAt(1))] = 1;
const SQ_INDEX = vrIndex(0x53, 0x51);

const TAG_CACHE_LIMIT = 16384;
const tagStrings = new Map<number, string>();

/** "xggggeeee", as dicom-parser's readTag spells it; interned once per tag. */
function tagString(tag: number): string {
  let s = tagStrings.get(tag);
  if (s === undefined) {
    s = 'x' + tag.toString(16).padStart(8, '0');
    // Private and odd tags are endless in principle: cap the cache, not the parse.
    if (tagStrings.size < TAG_CACHE_LIMIT) tagStrings.set(tag, s);
  }
  return s;
}

/** The VR strings, made once each, by vrIndex. */
const vrStrings: string[] = [];
for (let i = 0; i < 26 * 26; i++) vrStrings.push(String.fromCharCode(0x41 + Math.floor(i / 26), 0x41 + (i % 26)));

interface DataSetConstructor {
  new (parser: dicomParser.ByteArrayParser, byteArray: dicomParser.ByteArray, elements: Record<string, dicomParser.Element>): dicomParser.DataSet;
}
const DataSet = (dicomParser as unknown as { DataSet: DataSetConstructor }).DataSet;

/** Header of the data set dicom-parser's readPart10Header returns (position is not in its types). */
type MetaHeader = dicomParser.DataSet & { position?: number };

export interface FastParseOptions {
  TransferSyntaxUID?: string;
  untilTag?: string;
  inflater?: (arr: Uint8Array, position: number) => void;
}

/** The (group, element) tag at `p`, little endian, as one number (0xGGGGEEEE). */
function tagAt(bytes: Uint8Array, p: number): number {
  return (bytes[p] | (bytes[p + 1] << 8)) * 65536 + (bytes[p + 2] | (bytes[p + 3] << 8));
}

function uint32At(bytes: Uint8Array, p: number): number {
  return (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24)) >>> 0;
}

/** Where an explicit VR element's value starts, by its VR (vrIndex): after a 4-byte or a 2-byte length. */
function explicitValueOffset(p: number, v: number): number {
  return p + (longLength[v] ? 12 : 8);
}

/** An explicit VR element's value length, by its VR (vrIndex). */
function explicitLength(bytes: Uint8Array, p: number, v: number): number {
  return longLength[v] ? uint32At(bytes, p + 8) : bytes[p + 6] | (bytes[p + 7] << 8);
}

/** The tag as a number, for the loop's comparison; -1 when there is none. */
function tagNumber(tag: string | undefined): number {
  if (!tag || !/^x[0-9a-f]{8}$/.test(tag)) return -1;
  return parseInt(tag.slice(1), 16);
}

/**
 * The element at `p` when it is plain, read here; undefined for dicom-parser to
 * read. Explicit VR: a VR of two capital letters (anything else, dicom-parser
 * reads), not SQ, a defined length. Implicit VR: a defined length, and a value
 * that does not start with an item tag (FFFE,E000) or a sequence delimiter
 * (FFFE,E0DD), which dicom-parser, without a dictionary, takes for a sequence.
 */
function plainElement(bytes: Uint8Array, p: number, tag: number, explicit: boolean): dicomParser.Element | undefined {
  if (explicit) {
    const v = vrIndex(bytes[p + 4], bytes[p + 5]);
    if (v < 0 || v === SQ_INDEX) return undefined;
    const length = explicitLength(bytes, p, v);
    if (length === 0xffffffff) return undefined;
    const t = tagString(tag);
    return { tag: t, vr: vrStrings[v], length, dataOffset: explicitValueOffset(p, v) };
  }
  const length = uint32At(bytes, p + 4);
  const itemNext = bytes[p + 8] === 0xfe && bytes[p + 9] === 0xff && bytes[p + 11] === 0xe0 && (bytes[p + 10] === 0x00 || bytes[p + 10] === 0xdd);
  if (length === 0xffffffff || itemNext) return undefined;
  const t = tagString(tag);
  return { tag: t, vr: undefined, length, dataOffset: p + 8 };
}

/** dicom-parser's parseDicomDataSetExplicit or parseDicomDataSetImplicit (little endian), plain elements read here. */
function readDataSet(dataSet: dicomParser.DataSet, stream: dicomParser.ByteStream, untilTag: string | undefined, explicit: boolean): void {
  const bytes = stream.byteArray;
  const end = bytes.length;
  const elements = dataSet.elements;
  const until = tagNumber(untilTag);
  let p = stream.position;
  while (p < end) {
    if (p + 12 <= end) {
      const tag = tagAt(bytes, p);
      const plain = tag === until ? undefined : plainElement(bytes, p, tag, explicit);
      if (plain) {
        elements[plain.tag] = plain;
        p = plain.dataOffset + plain.length;
        continue;
      }
    }
    // Not a plain element: dicom-parser reads it (and throws where it would).
    stream.position = p;
    const element = explicit ? dicomParser.readDicomElementExplicit(stream, dataSet.warnings, untilTag) : dicomParser.readDicomElementImplicit(stream, untilTag);
    elements[element.tag] = element;
    if (element.tag === untilTag) return;
    p = stream.position;
  }
  stream.position = p;
  // As dicom-parser: its explicit loop reports an overrun, its implicit one does not.
  if (explicit && p > end) throw 'dicomParser:parseDicomDataSetExplicit: buffer overrun';
}

const PREFIX_MISSING = 'dicomParser.readPart10Header: DICM prefix not found at location 132 - this is not a valid DICOM P10 file.';

/**
 * dicomParser.readPart10Header(byteArray, {TransferSyntaxUID}): the preamble
 * check and the file meta group (always explicit VR little endian), with the
 * plain elements read as in readDataSet.
 */
function readPart10Header(byteArray: Uint8Array, transferSyntax: string | undefined): MetaHeader {
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, byteArray, undefined as unknown as number);
  // readPrefix
  let part10 = true;
  if (byteArray.length <= 132 && transferSyntax) part10 = false;
  else {
    stream.seek(128);
    if (stream.readFixedString(4) !== 'DICM') {
      if (!transferSyntax) throw PREFIX_MISSING;
      stream.seek(0);
      part10 = false;
    }
  }
  // dicom-parser's element reader is given a list of warnings that is then dropped.
  const dropped: string[] = [];
  if (!part10) {
    stream.position = 0;
    return { elements: { x00020010: { tag: 'x00020010', vr: 'UI', Value: transferSyntax } }, warnings: dropped } as unknown as MetaHeader;
  }
  const elements: Record<string, dicomParser.Element> = {};
  const bytes = byteArray;
  const end = bytes.length;
  let p = stream.position;
  while (p < end) {
    if (p + 12 <= end) {
      const tag = tagAt(bytes, p);
      const plain = plainElement(bytes, p, tag, true);
      if (plain) {
        // The first element past group 0002 ends the meta header; it is read again as data.
        if (tag > 0x0002ffff) break;
        plain.parser = dicomParser.littleEndianByteArrayParser;
        elements[plain.tag] = plain;
        p = plain.dataOffset + plain.length;
        continue;
      }
    }
    stream.position = p;
    const element = dicomParser.readDicomElementExplicit(stream, dropped);
    if (element.tag > 'x0002ffff') break;
    element.parser = dicomParser.littleEndianByteArrayParser;
    elements[element.tag] = element;
    p = stream.position;
  }
  const meta = new DataSet(stream.byteArrayParser, stream.byteArray, elements) as MetaHeader;
  meta.warnings = stream.warnings;
  meta.position = p;
  return meta;
}

/**
 * dicomParser.parseDicom(byteArray, options), faster for little-endian data
 * sets. Same result and same exceptions (including `{exception, dataSet}` with
 * the elements read before a failure).
 */
export function parseDicomFast(byteArray: Uint8Array, options: FastParseOptions = {}): dicomParser.DataSet {
  if (byteArray === undefined) throw new Error("dicomParser.parseDicom: missing required parameter 'byteArray'");
  const meta = readPart10Header(byteArray, options.TransferSyntaxUID);
  const tsElement = meta.elements.x00020010 as (dicomParser.Element & { Value?: string }) | undefined;
  if (tsElement === undefined) throw new Error('dicomParser.parseDicom: missing required meta header attribute 0002,0010');
  const transferSyntax = tsElement.Value || dicomParser.readFixedString(byteArray, tsElement.dataOffset, tsElement.length);
  if (transferSyntax === DEFLATED_LE || transferSyntax === EXPLICIT_BE) return dicomParser.parseDicom(byteArray, options);

  // As parseDicom: the stream is made outside its try, so a file that ends with its
  // meta header fails with the stream's own message, not wrapped.
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, byteArray, meta.position as number);
  const elements: Record<string, dicomParser.Element> = {};
  const dataSet = new DataSet(stream.byteArrayParser, stream.byteArray, elements);
  dataSet.warnings = stream.warnings;
  try {
    readDataSet(dataSet, stream, options.untilTag, transferSyntax !== IMPLICIT_LE);
  } catch (e) {
    throw { exception: e, dataSet };
  }
  for (const tag in meta.elements) {
    if (Object.prototype.hasOwnProperty.call(meta.elements, tag)) elements[tag] = meta.elements[tag];
  }
  if (meta.warnings !== undefined) dataSet.warnings = meta.warnings.concat(dataSet.warnings);
  return dataSet;
}
