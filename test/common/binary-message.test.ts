// The bridge's binary messages (common/binary-message.ts): a reply's byte arrays go as they are,
// aligned for the page to view as 16- and 32-bit values in place, and anything that is not such
// a message is refused rather than half read.
import { describe, expect, it } from 'vitest';
import { packBinaryMessage, typedView, unpackBinaryMessage } from '../../common/binary-message';

const toArrayBuffer = (bytes: Uint8Array) => bytes.slice().buffer as ArrayBuffer;

describe('binary bridge messages', () => {
  it('leaves a message without bytes to JSON', () => {
    expect(packBinaryMessage({ id: 1, reply: { ok: true, value: { rows: 2, list: [1, 'a'] } } })).toBeNull();
  });

  it('carries each byte array in place, aligned, with the rest of the message as it was', () => {
    const pixels = Int16Array.from([-1024, 0, 1, 32767, -32768]);
    const odd = Uint8Array.from([1, 2, 3]);
    const message = { id: 7, reply: { ok: true, value: { rows: 1, pixels: new Uint8Array(pixels.buffer), more: [odd, { name: 'ü' }] } } };
    const packed = packBinaryMessage(message)!;
    const back = unpackBinaryMessage(toArrayBuffer(packed)) as typeof message;
    expect(back.id).toBe(7);
    expect(back.reply.value.rows).toBe(1);
    expect(back.reply.value.more[1]).toEqual({ name: 'ü' });
    expect(Array.from(back.reply.value.more[0] as Uint8Array)).toEqual([1, 2, 3]);
    const view = back.reply.value.pixels;
    expect(view.byteOffset % 8).toBe(0);
    // A view, not a copy, and the values as sent.
    const values = typedView(Int16Array, view);
    expect(values.buffer).toBe(view.buffer);
    expect(Array.from(values)).toEqual(Array.from(pixels));
  });

  it('copies bytes that are not aligned for their values, and refuses a partial value', () => {
    const buffer = new Uint8Array(9);
    new DataView(buffer.buffer).setFloat32(1, 1.5, true);
    expect(Array.from(typedView(Float32Array, buffer.subarray(1, 5)))).toEqual([1.5]);
    expect(() => typedView(Float32Array, buffer.subarray(0, 3))).toThrow(/not a whole number of 4-byte values/);
  });

  it('refuses what is not such a message', () => {
    const good = packBinaryMessage({ id: 1, reply: { ok: true, value: { pixels: Uint8Array.of(1, 2) } } })!;
    const header = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + new DataView(bytes.buffer).getUint32(4, true))));
    /** `good` with its header replaced by `h` (the bytes after it kept where they were). */
    const withHeader = (h: unknown) => {
      const text = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(good.byteLength + text.byteLength);
      out.set(good);
      new DataView(out.buffer).setUint32(4, text.byteLength, true);
      out.set(text, 8);
      return out.buffer;
    };
    expect(() => unpackBinaryMessage(new ArrayBuffer(4))).toThrow(/not a Lumen binary message/);
    expect(() => unpackBinaryMessage(new TextEncoder().encode('{"id":1}').buffer)).toThrow(/not a Lumen binary message/);
    const truncated = good.slice(0, 12);
    expect(() => unpackBinaryMessage(truncated.buffer)).toThrow(/shorter than its header/);
    const h = header(good);
    expect(() => unpackBinaryMessage(withHeader({ ...h, blobs: [{ ...h.blobs[0], length: 1e9 }] }))).toThrow(/outside the message/);
    expect(() => unpackBinaryMessage(withHeader({ ...h, blobs: [{ ...h.blobs[0], offset: 0 }] }))).toThrow(/outside the message/);
    expect(() => unpackBinaryMessage(withHeader({ ...h, blobs: [{ ...h.blobs[0], path: ['__proto__', 'polluted'] }] }))).toThrow(/without a place/);
    expect(() => unpackBinaryMessage(withHeader({ ...h, blobs: [{ ...h.blobs[0], path: ['reply', 'value', 'missing'] }] }))).toThrow(/without a place/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
