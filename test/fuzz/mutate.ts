// Byte mutations in the manner of libFuzzer's: one to four stacked on a corpus input, drawn from
// a seeded generator so that a run is reproduced from its seed. A target's dictionary (tags,
// keywords, boundaries) is spliced in whole, which a bit flip would take ages to find.
import { mulberry32 } from '../../common/random';

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x2d, 0x0a, 0x0d, 0x22, 0x5c, 0x2c];
const INTERESTING_32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export class Mutator {
  private readonly random: () => number;

  constructor(
    seed: number,
    private readonly dictionary: Uint8Array[],
    private readonly maxLength: number,
  ) {
    this.random = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  /** A new input from `input` (and, for crossover, `other`). */
  mutate(input: Uint8Array, other: Uint8Array): Uint8Array {
    let out = input;
    for (let k = 1 + this.int(4); k > 0; k--) out = this.once(out, other);
    return out.length > this.maxLength ? out.subarray(0, this.maxLength) : out;
  }

  private once(b: Uint8Array, other: Uint8Array): Uint8Array {
    const n = b.length;
    const at = () => this.int(n + 1);
    switch (this.int(n === 0 ? 3 : 12)) {
      case 0:
        return this.dictionary.length ? splice(b, at(), 0, this.pick(this.dictionary)) : splice(b, at(), 0, this.bytes(1 + this.int(8)));
      case 1:
        return splice(b, at(), 0, this.bytes(1 + this.int(this.int(2) ? 4 : 64)));
      case 2: {
        // Crossover: a piece of another corpus input.
        const from = this.int(other.length + 1);
        return splice(b, at(), 0, other.subarray(from, from + 1 + this.int(256)));
      }
      case 3: {
        const c = Uint8Array.from(b);
        const i = this.int(n);
        c[i] ^= 1 << this.int(8);
        return c;
      }
      case 4: {
        const c = Uint8Array.from(b);
        c[this.int(n)] = this.int(2) ? this.pick(INTERESTING_8) : this.int(256);
        return c;
      }
      case 5: {
        // An interesting 16- or 32-bit value, either byte order: lengths and counts.
        const size = this.int(2) ? 2 : 4;
        if (n < size) return b;
        const c = Uint8Array.from(b);
        const view = new DataView(c.buffer);
        const i = this.int(n - size + 1);
        const v = this.pick(INTERESTING_32);
        const little = this.int(2) === 0;
        if (size === 2) view.setUint16(i, v & 0xffff, little);
        else view.setUint32(i, v >>> 0, little);
        return c;
      }
      case 6: {
        const i = this.int(n);
        return splice(b, i, 1 + this.int(Math.min(64, n - i)), new Uint8Array(0));
      }
      case 7: {
        // A piece of the input repeated in place: items, lines, parts.
        const i = this.int(n);
        const len = 1 + this.int(Math.min(256, n - i));
        return splice(b, at(), 0, b.slice(i, i + len));
      }
      case 8:
        return b.subarray(0, this.int(n));
      case 9: {
        if (this.dictionary.length === 0) return b;
        const word = this.pick(this.dictionary);
        const i = this.int(n);
        return splice(b, i, Math.min(word.length, n - i), word);
      }
      case 10: {
        // Add or subtract a little from a byte: an off-by-one in a length or a count.
        const c = Uint8Array.from(b);
        const i = this.int(n);
        c[i] = (c[i] + this.pick([1, -1, 2, -2, 16, -16])) & 0xff;
        return c;
      }
      default: {
        // An ASCII digit run rewritten: numbers written as text (JSON, CSV, DICOM IS/DS).
        const c = Uint8Array.from(b);
        const i = this.int(n);
        const number = this.pick(['0', '-1', '1e309', '4294967296', '9007199254740993', '1.5', '-0', 'NaN', '65536', '999999999']);
        let j = i;
        while (j < n && c[j] >= 0x30 && c[j] <= 0x39) j++;
        return splice(c, i, j - i, new TextEncoder().encode(number));
      }
    }
  }

  private bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

export function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const start = Math.max(0, Math.min(at, b.length));
  const end = Math.min(b.length, start + remove);
  const out = new Uint8Array(start + insert.length + (b.length - end));
  out.set(b.subarray(0, start), 0);
  out.set(insert, start);
  out.set(b.subarray(end), start + insert.length);
  return out;
}
