// A tiny Explicit VR Little Endian DICOM writer: phantom images with pixel
// values we know, for tests and the benchmark, which Debian's encoders then
// transcode.
import { writeFileSync } from 'node:fs';

export type ElementValue = { vr: string; value: string | number | number[] | Uint8Array };

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'SV', 'UV', 'SQ', 'UT', 'UN', 'UC', 'UR']);

function encodeValue(vr: string, value: ElementValue['value']): Buffer {
  if (value instanceof Uint8Array) {
    const b = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return b.length % 2 ? Buffer.concat([b, Buffer.alloc(1)]) : b;
  }
  if (vr === 'US' || vr === 'SS') {
    const arr = Array.isArray(value) ? value : [Number(value)];
    const b = Buffer.alloc(arr.length * 2);
    arr.forEach((v, i) => (vr === 'US' ? b.writeUInt16LE(v, i * 2) : b.writeInt16LE(v, i * 2)));
    return b;
  }
  if (vr === 'UL') {
    const arr = Array.isArray(value) ? value : [Number(value)];
    const b = Buffer.alloc(arr.length * 4);
    arr.forEach((v, i) => b.writeUInt32LE(v, i * 4));
    return b;
  }
  const s = Array.isArray(value) ? value.join('\\') : String(value);
  let b = Buffer.from(s, 'latin1');
  if (b.length % 2) b = Buffer.concat([b, Buffer.from(vr === 'UI' ? '\0' : ' ')]);
  return b;
}

function encodeElement(tag: number, el: ElementValue): Buffer {
  const value = encodeValue(el.vr, el.value);
  const long = LONG_VRS.has(el.vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(el.vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

export function dicomBytes(elements: Record<number, ElementValue>, transferSyntax = '1.2.840.10008.1.2.1'): Buffer {
  const sopClass = String(elements[0x00080016]?.value ?? '1.2.840.10008.5.1.4.1.1.7');
  const sopInstance = String(elements[0x00080018]?.value ?? '1.2.3.4');
  const metaBody = Buffer.concat([
    encodeElement(0x00020001, { vr: 'OB', value: new Uint8Array([0, 1]) }),
    encodeElement(0x00020002, { vr: 'UI', value: sopClass }),
    encodeElement(0x00020003, { vr: 'UI', value: sopInstance }),
    encodeElement(0x00020010, { vr: 'UI', value: transferSyntax }),
    encodeElement(0x00020012, { vr: 'UI', value: '1.2.826.0.1.3680043.10.1' }),
  ]);
  const groupLength = encodeElement(0x00020000, { vr: 'UL', value: metaBody.length });
  const body = Object.keys(elements)
    .map(Number)
    .sort((a, b) => a - b)
    .map((tag) => encodeElement(tag, elements[tag]));
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, groupLength, metaBody, ...body]);
}

export interface ImageSpec {
  rows: number;
  columns: number;
  frames?: number;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  pixelRepresentation?: 0 | 1;
  samplesPerPixel?: 1 | 3;
  photometric?: string;
  planarConfiguration?: 0 | 1;
  modality?: string;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number | number[];
  windowWidth?: number | number[];
  /** Raw little-endian pixel bytes, exactly as they go into (7FE0,0010). */
  pixelBytes: Uint8Array;
  extra?: Record<number, ElementValue>;
  uid?: string;
}

export function imageElements(spec: ImageSpec): Record<number, ElementValue> {
  const uid = spec.uid ?? `1.2.826.0.1.3680043.10.1.${Math.floor(Math.random() * 1e9)}`;
  const spp = spec.samplesPerPixel ?? 1;
  const bitsStored = spec.bitsStored ?? spec.bitsAllocated;
  const els: Record<number, ElementValue> = {
    0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    0x00080018: { vr: 'UI', value: `${uid}.3` },
    0x00080020: { vr: 'DA', value: '20260101' },
    0x00080060: { vr: 'CS', value: spec.modality ?? 'OT' },
    0x00100010: { vr: 'PN', value: 'Phantom^Test' },
    0x00100020: { vr: 'LO', value: 'PH001' },
    0x0020000d: { vr: 'UI', value: `${uid}.1` },
    0x0020000e: { vr: 'UI', value: `${uid}.2` },
    0x00200013: { vr: 'IS', value: 1 },
    0x00280002: { vr: 'US', value: spp },
    0x00280004: { vr: 'CS', value: spec.photometric ?? (spp === 3 ? 'RGB' : 'MONOCHROME2') },
    0x00280010: { vr: 'US', value: spec.rows },
    0x00280011: { vr: 'US', value: spec.columns },
    0x00280100: { vr: 'US', value: spec.bitsAllocated },
    0x00280101: { vr: 'US', value: bitsStored },
    0x00280102: { vr: 'US', value: bitsStored - 1 },
    0x00280103: { vr: 'US', value: spec.pixelRepresentation ?? 0 },
    0x7fe00010: { vr: spec.bitsAllocated === 8 ? 'OB' : 'OW', value: spec.pixelBytes },
  };
  if (spp === 3) els[0x00280006] = { vr: 'US', value: spec.planarConfiguration ?? 0 };
  if (spec.frames && spec.frames > 1) els[0x00280008] = { vr: 'IS', value: spec.frames };
  if (spec.rescaleSlope !== undefined) els[0x00281053] = { vr: 'DS', value: spec.rescaleSlope };
  if (spec.rescaleIntercept !== undefined) els[0x00281052] = { vr: 'DS', value: spec.rescaleIntercept };
  if (spec.windowCenter !== undefined) els[0x00281050] = { vr: 'DS', value: spec.windowCenter as number[] };
  if (spec.windowWidth !== undefined) els[0x00281051] = { vr: 'DS', value: spec.windowWidth as number[] };
  return { ...els, ...spec.extra };
}

export function writeImage(path: string, spec: ImageSpec): void {
  writeFileSync(path, dicomBytes(imageElements(spec)));
}

/** Encapsulated pixel data: item tags, basic offset table, fragments, delimiter. */
export function encapsulate(frames: Uint8Array[][], opts: { basicOffsetTable?: boolean } = {}): { bytes: Uint8Array; offsets: number[]; lengths: number[] } {
  const parts: Buffer[] = [];
  const item = (data: Uint8Array) => {
    const padded = data.length % 2 ? Buffer.concat([Buffer.from(data), Buffer.alloc(1)]) : Buffer.from(data);
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(0xe000, 2);
    h.writeUInt32LE(padded.length, 4);
    return Buffer.concat([h, padded]);
  };
  const offsets: number[] = [];
  const lengths: number[] = [];
  const body: Buffer[] = [];
  let at = 0;
  for (const fragments of frames) {
    offsets.push(at);
    let len = 0;
    for (const f of fragments) {
      const it = item(f);
      body.push(it);
      at += it.length;
      len += it.length;
    }
    lengths.push(len);
  }
  const bot = Buffer.alloc(opts.basicOffsetTable ? offsets.length * 4 : 0);
  if (opts.basicOffsetTable) offsets.forEach((o, i) => bot.writeUInt32LE(o, i * 4));
  parts.push(item(bot), ...body);
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0);
  end.writeUInt16LE(0xe0dd, 2);
  parts.push(end);
  return { bytes: Buffer.concat(parts), offsets, lengths };
}

/** A DICOM file whose pixel data element has undefined length (encapsulated). */
export function encapsulatedFile(spec: ImageSpec, transferSyntax: string, encapsulated: Uint8Array, extra: Record<number, ElementValue> = {}): Buffer {
  const els = imageElements({ ...spec, pixelBytes: new Uint8Array(0) });
  delete els[0x7fe00010];
  const head = dicomBytes({ ...els, ...extra }, transferSyntax);
  const tag = Buffer.alloc(12);
  tag.writeUInt16LE(0x7fe0, 0);
  tag.writeUInt16LE(0x0010, 2);
  tag.write('OB', 4, 'latin1');
  tag.writeUInt32LE(0xffffffff, 8);
  return Buffer.concat([head, tag, encapsulated]);
}

