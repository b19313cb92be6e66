// YBR_PARTIAL_422 phantoms at more than 8 bits, for the tests of its conversion
// (ybr-partial.test.ts) and the conformance sweep.

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));

/**
 * The partial range at more than 8 bits, as ITU-R BT.601 and BT.709 scale it for 10- and 12-bit video:
 * black at 16 x 2^(n-8), white at 235 x 2^(n-8), no colour at 2^(n-1), chroma 16 to 240 x 2^(n-8).
 * Returns Y Cb Cr for R G B in 0..2^n-1, rounded.
 */
export function toPartialWide(bits: number, r: number, g: number, b: number): [number, number, number] {
  const k = 2 ** (bits - 8);
  const max = 2 ** bits - 1;
  const y = (0.299 * r + 0.587 * g + 0.114 * b) / max;
  const cb = (b / max - y) / 1.772;
  const cr = (r / max - y) / 1.402;
  return [clamp(k * (16 + 219 * y), 16 * k, 235 * k), clamp(k * (128 + 224 * cb), 16 * k, 240 * k), clamp(k * (128 + 224 * cr), 16 * k, 240 * k)];
}

/** Pair-constant colours (the corners of the RGB cube, then pseudo-random) at `bits`, as 16-bit words Y1 Y2 Cb Cr, `padding` set above High Bit. */
export function widePartialPhantom(bits: number, rows: number, columns: number, padding = false): { rgb: number[]; bytes: Uint8Array } {
  const max = 2 ** bits - 1;
  const corners = [[0, 0, 0], [max, max, max], [max, 0, 0], [0, max, 0], [0, 0, max], [max, max, 0], [0, max, max], [max, 0, max]];
  const rgb: number[] = [];
  const words: number[] = [];
  const above = padding ? 0xffff - max : 0;
  for (let p = 0; p < (rows * columns) / 2; p++) {
    const colour = corners[p] ?? [(p * 7919) % (max + 1), (p * 104729 + 12345) % (max + 1), (p * 1299709 + 999) % (max + 1)];
    rgb.push(...colour, ...colour);
    const [y, cb, cr] = toPartialWide(bits, colour[0], colour[1], colour[2]);
    words.push(y | above, y | above, cb | above, cr | above);
  }
  return { rgb, bytes: new Uint8Array(Uint16Array.from(words).buffer) };
}
