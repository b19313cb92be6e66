/**
 * A DICOM file (PS3.10) from a data set received over DIMSE: preamble, "DICM",
 * the file meta information (group 0002, explicit VR little endian) and the
 * data set exactly as encoded in its transfer syntax.
 */
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../results/part10';

function element(group: number, elementNo: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB' || vr === 'UN' || vr === 'SQ' || vr === 'UT';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elementNo, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

function uid(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 ? Buffer.concat([bytes, Buffer.from([0])]) : bytes;
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'latin1');
  return bytes.length % 2 ? Buffer.concat([bytes, Buffer.from(' ')]) : bytes;
}

export interface P10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

export function p10File(meta: P10Meta, dataSet: Uint8Array): Buffer {
  return Buffer.concat([p10Header(meta), dataSet]);
}

/** The preamble, "DICM" and the file meta information: what goes before the data set as encoded. */
export function p10Header(meta: P10Meta): Buffer {
  const body = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', uid(meta.sopClassUid)),
    element(0x0002, 0x0003, 'UI', uid(meta.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', uid(meta.transferSyntaxUid)),
    element(0x0002, 0x0012, 'UI', uid(IMPLEMENTATION_CLASS_UID)),
    element(0x0002, 0x0013, 'SH', text(IMPLEMENTATION_VERSION_NAME)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, element(0x0002, 0x0000, 'UL', length), body]);
}
