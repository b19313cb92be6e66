/**
 * A bridge message that carries bytes (a viewer frame's pixels, a heatmap's values) as one
 * binary WebSocket message instead of base64 inside JSON: the bridge (electron/serve/server.ts)
 * packs a reply that holds Uint8Arrays, the page (renderer/src/api.ts) unpacks it. Electron's
 * IPC needs none of this: its structured clone carries Uint8Arrays as they are.
 *
 * Layout: "LMB1", the header's length (uint32, little-endian), the header (UTF-8 JSON:
 * `{ message, blobs: [{ path, offset, length }] }`, the message with null where each
 * Uint8Array was), then each array's bytes from an offset that is a multiple of 8, so the page
 * views Int16, Uint32 or Float32 values in place, without a copy.
 */

const MAGIC = [0x4c, 0x4d, 0x42, 0x31]; // "LMB1"
const ALIGN = 8;
/** Deeper than any reply of the contract: a walk never runs away on a strange value. */
const MAX_DEPTH = 32;
/** The most byte arrays one message carries (a reply holds one or two). */
const MAX_BLOBS = 64;

type Key = string | number;
interface Blob {
  path: Key[];
  offset: number;
  length: number;
}

const pad = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** The message with each Uint8Array replaced by null, and where each one was. */
function extract(value: unknown, path: Key[], found: { path: Key[]; bytes: Uint8Array }[]): unknown {
  if (value instanceof Uint8Array) {
    found.push({ path, bytes: value });
    return null;
  }
  if (!value || typeof value !== 'object' || path.length >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v, i) => extract(v, [...path, i], found));
  if (ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = extract(v, [...path, k], found);
  return out;
}

/** `message` as one binary message, or null when it holds no Uint8Array (it goes as JSON text, as before). */
export function packBinaryMessage(message: unknown): Uint8Array | null {
  const found: { path: Key[]; bytes: Uint8Array }[] = [];
  const plain = extract(message, [], found);
  if (found.length === 0) return null;
  if (found.length > MAX_BLOBS) throw new Error(`a reply holds ${found.length} byte arrays, more than the ${MAX_BLOBS} a bridge message carries`);
  // The offsets depend on the header's length and the header holds them: lay the blobs out
  // after a header of a generous guess, then check it.
  const encoder = new TextEncoder();
  const blobsAt = (start: number): Blob[] => {
    let at = start;
    return found.map(({ path, bytes }) => {
      const blob = { path, offset: at, length: bytes.byteLength };
      at = pad(at + bytes.byteLength);
      return blob;
    });
  };
  let start = pad(8 + encoder.encode(JSON.stringify({ message: plain, blobs: blobsAt(0) })).byteLength + 16 * found.length + 16);
  let header = encoder.encode(JSON.stringify({ message: plain, blobs: blobsAt(start) }));
  while (8 + header.byteLength > start) {
    start = pad(8 + header.byteLength);
    header = encoder.encode(JSON.stringify({ message: plain, blobs: blobsAt(start) }));
  }
  const blobs = blobsAt(start);
  const last = blobs[blobs.length - 1];
  const out = new Uint8Array(last.offset + last.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.byteLength, true);
  out.set(header, 8);
  for (let i = 0; i < found.length; i++) out.set(found[i].bytes, blobs[i].offset);
  return out;
}

/** Keys that would reach an object's prototype instead of a field. */
const UNSAFE_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * A binary message back into the message it was, each byte array a view into `data` (aligned
 * to 8 bytes). Throws on anything that is not such a message: the caller treats it as malformed.
 */
export function unpackBinaryMessage(data: ArrayBuffer): unknown {
  const all = new Uint8Array(data);
  if (all.byteLength < 8 || MAGIC.some((b, i) => all[i] !== b)) throw new Error('not a Lumen binary message');
  const headerLength = new DataView(data).getUint32(4, true);
  if (8 + headerLength > all.byteLength) throw new Error('a binary message shorter than its header');
  const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(all.subarray(8, 8 + headerLength))) as { message?: unknown; blobs?: unknown };
  if (!header || typeof header !== 'object' || !Array.isArray(header.blobs) || header.blobs.length > MAX_BLOBS) throw new Error('a binary message without its list of byte arrays');
  const message = header.message;
  for (const blob of header.blobs as Blob[]) {
    const { path, offset, length } = blob ?? {};
    if (!Array.isArray(path) || path.length === 0 || path.length > MAX_DEPTH) throw new Error('a byte array without a place in the message');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 8 + headerLength || length < 0 || offset + length > all.byteLength) throw new Error('a byte array outside the message');
    let parent: unknown = message;
    for (let i = 0; i < path.length - 1; i++) parent = step(parent, path[i]);
    const key = path[path.length - 1];
    if (!parent || typeof parent !== 'object' || !isKey(key) || UNSAFE_KEYS.has(String(key)) || !Object.prototype.hasOwnProperty.call(parent, key)) throw new Error('a byte array without a place in the message');
    (parent as Record<Key, unknown>)[key] = new Uint8Array(data, offset, length);
  }
  return message;
}

function isKey(key: unknown): key is Key {
  return typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key) && key >= 0);
}

function step(value: unknown, key: unknown): unknown {
  if (!value || typeof value !== 'object' || !isKey(key) || UNSAFE_KEYS.has(String(key)) || !Object.prototype.hasOwnProperty.call(value, key)) throw new Error('a byte array without a place in the message');
  return (value as Record<Key, unknown>)[key];
}

/**
 * `bytes` as the typed array `ctor` names: a view when aligned for its element size (the
 * bridge's messages always are), else a copy (Electron's structured clone keeps the sender's
 * offset, which may not be).
 */
export function typedView<T extends { BYTES_PER_ELEMENT: number; new (buffer: ArrayBuffer, byteOffset: number, length: number): unknown }>(ctor: T, bytes: Uint8Array): InstanceType<T> {
  const size = ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) throw new Error(`${bytes.byteLength} bytes are not a whole number of ${size}-byte values`);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new ctor(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.byteLength / size) as InstanceType<T>;
}
