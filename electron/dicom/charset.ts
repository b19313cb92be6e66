// Text of DICOM string values (SH, LO, ST, LT, UT, UC, PN) in the character
// set Specific Character Set (0008,0005) names: single-byte sets (Latin-1..9,
// Cyrillic, Arabic, Greek, Hebrew, Thai, Japanese katakana), multi-byte sets
// without code extensions (UTF-8, GB18030, GBK), and ISO 2022 code extensions
// (Japanese JIS X 0208/0212, Korean KS X 1001, Chinese GB 2312) switched by
// escape sequences as PS3.5 6.1.2.5 says: each escape designates a set into
// G0 (bytes below 0x80) or G1 (bytes from 0x80), and every delimiter (CR, LF,
// FF, TAB, the value separator "\" and, in names, "^" and "=") returns to the
// sets of the first value of Specific Character Set.
//
// The decoders are the WHATWG ones Node (full ICU) and browsers carry. The
// two-byte ISO 2022 sets reach them as EUC bytes (EUC-JP, EUC-KR, GBK),
// which hold the same tables with the high bit set.

import { TextDecoder } from 'node:util';

type Decoder = (bytes: Uint8Array) => string;

const decoders = new Map<string, TextDecoder>();
function whatwg(label: string): Decoder {
  return (bytes) => {
    let d = decoders.get(label);
    if (!d) decoders.set(label, (d = new TextDecoder(label)));
    return d.decode(bytes);
  };
}
/** ISO-IR 6 and ISO 8859-1 byte for byte (WHATWG's "latin1" is windows-1252, which differs at 0x80-0x9F). */
const latin1: Decoder = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Single-byte sets by their Defined Term's number (ISO_IR n, ISO 2022 IR n), with the ISO 2022 G1 final byte (ESC - F). */
const SINGLE_BYTE: Record<string, { decode: Decoder; final: number }> = {
  '100': { decode: latin1, final: 0x41 },
  '101': { decode: whatwg('iso-8859-2'), final: 0x42 },
  '109': { decode: whatwg('iso-8859-3'), final: 0x43 },
  '110': { decode: whatwg('iso-8859-4'), final: 0x44 },
  '144': { decode: whatwg('iso-8859-5'), final: 0x4c },
  '127': { decode: whatwg('iso-8859-6'), final: 0x47 },
  '126': { decode: whatwg('iso-8859-7'), final: 0x46 },
  '138': { decode: whatwg('iso-8859-8'), final: 0x48 },
  '148': { decode: whatwg('iso-8859-9'), final: 0x4d },
  '203': { decode: whatwg('iso-8859-15'), final: 0x62 },
  '166': { decode: whatwg('windows-874'), final: 0x54 },
};

/** Sets without code extensions, by Defined Term. */
const WHOLE: Record<string, Decoder> = {
  'ISO_IR 192': whatwg('utf-8'),
  GB18030: whatwg('gb18030'),
  GBK: whatwg('gbk'),
  // JIS X 0201: romaji below 0x80, half-width katakana from 0xA1; Shift_JIS agrees on single bytes.
  'ISO_IR 13': whatwg('shift_jis'),
};

/** What G0 or G1 holds. */
type G0 = 'ascii' | 'romaji' | 'jis0208' | 'jis0212';
type G1 = 'none' | 'katakana' | 'ksx1001' | 'gb2312' | string; // a key of SINGLE_BYTE

interface State {
  g0: G0;
  g1: G1;
}

/** The code elements a Defined Term of Specific Character Set designates (PS3.3 C.12.1.1.2, tables C.12-3 and C.12-4). */
function designation(term: string): Partial<State> {
  const t = term.trim();
  if (t === '' || t === 'ISO_IR 6' || t === 'ISO 2022 IR 6') return { g0: 'ascii' };
  if (t === 'ISO 2022 IR 13' || t === 'ISO_IR 13') return { g0: 'romaji', g1: 'katakana' };
  if (t === 'ISO 2022 IR 87') return { g0: 'jis0208' };
  if (t === 'ISO 2022 IR 159') return { g0: 'jis0212' };
  if (t === 'ISO 2022 IR 149') return { g1: 'ksx1001' };
  if (t === 'ISO 2022 IR 58') return { g1: 'gb2312' };
  const n = /^ISO(?:_| 2022 )IR (\d+)$/.exec(t)?.[1];
  if (n && SINGLE_BYTE[n]) return { g1: n };
  return {};
}

export interface CharacterSet {
  /** Decodes one value's bytes; `personName` adds "^" and "=" to the delimiters that reset ISO 2022 state. */
  decode(bytes: Uint8Array, personName?: boolean): string;
}

const ASCII_ONLY: CharacterSet = { decode: (bytes) => latin1(bytes) };
const cache = new Map<string, CharacterSet>();

/**
 * The character set named by a Specific Character Set value (its raw text,
 * values separated by "\"). Unknown terms fall back to ISO 8859-1 for their
 * bytes, which keeps ASCII right and never throws.
 */
export function characterSet(specific: string | undefined): CharacterSet {
  const key = (specific ?? '').trim();
  let cs = cache.get(key);
  if (cs) return cs;
  const terms = key.split('\\').map((t) => t.trim());
  const first = terms[0] ?? '';
  const extended = terms.length > 1 || first.startsWith('ISO 2022');
  if (!extended && WHOLE[first]) {
    const d = WHOLE[first];
    cs = { decode: (bytes) => d(bytes) };
  } else if (!extended) {
    const n = /^ISO_IR (\d+)$/.exec(first)?.[1];
    const single = n ? SINGLE_BYTE[n] : undefined;
    cs = single ? { decode: (bytes) => single.decode(bytes) } : ASCII_ONLY;
  } else {
    const initial: State = { g0: 'ascii', g1: 'none', ...designation(first) };
    cs = { decode: (bytes, personName = false) => decodeIso2022(bytes, initial, personName) };
  }
  cache.set(key, cs);
  return cs;
}

const ESC = 0x1b;

/** The escape sequence at `i` (PS3.3 table C.12-3/C.12-4): its length and what it designates, or undefined. */
function escapeAt(bytes: Uint8Array, i: number): { length: number; set: Partial<State> } | undefined {
  const b = (k: number) => bytes[i + k];
  if (b(1) === 0x28 && b(2) === 0x42) return { length: 3, set: { g0: 'ascii' } }; // ESC ( B
  if (b(1) === 0x28 && b(2) === 0x4a) return { length: 3, set: { g0: 'romaji' } }; // ESC ( J
  if (b(1) === 0x29 && b(2) === 0x49) return { length: 3, set: { g1: 'katakana' } }; // ESC ) I
  if (b(1) === 0x24 && b(2) === 0x42) return { length: 3, set: { g0: 'jis0208' } }; // ESC $ B
  if (b(1) === 0x24 && b(2) === 0x40) return { length: 3, set: { g0: 'jis0208' } }; // ESC $ @ (JIS C 6226-1978, decoded as 0208)
  if (b(1) === 0x24 && b(2) === 0x28 && b(3) === 0x44) return { length: 4, set: { g0: 'jis0212' } }; // ESC $ ( D
  if (b(1) === 0x24 && b(2) === 0x29 && b(3) === 0x43) return { length: 4, set: { g1: 'ksx1001' } }; // ESC $ ) C
  if (b(1) === 0x24 && b(2) === 0x29 && b(3) === 0x41) return { length: 4, set: { g1: 'gb2312' } }; // ESC $ ) A
  if (b(1) === 0x2d) {
    const n = Object.keys(SINGLE_BYTE).find((k) => SINGLE_BYTE[k].final === b(2));
    if (n) return { length: 3, set: { g1: n } }; // ESC - F
  }
  return undefined;
}

/** Bytes after which ISO 2022 state returns to the initial sets (PS3.5 6.1.2.5.3). */
function isDelimiter(byte: number, personName: boolean): boolean {
  return byte === 0x5c || byte === 0x0d || byte === 0x0a || byte === 0x0c || byte === 0x09 || (personName && (byte === 0x5e || byte === 0x3d));
}

/** A run of bytes for one decoder. */
interface Run {
  decoder: string;
  bytes: number[];
}

const RUN_DECODERS: Record<string, Decoder> = {
  latin1,
  'euc-jp': whatwg('euc-jp'),
  'euc-kr': whatwg('euc-kr'),
  gbk: whatwg('gbk'),
};

function decodeIso2022(bytes: Uint8Array, initial: State, personName: boolean): string {
  const runs: Run[] = [];
  const push = (decoder: string, ...out: number[]) => {
    const last = runs[runs.length - 1];
    if (last && last.decoder === decoder) last.bytes.push(...out);
    else runs.push({ decoder, bytes: out });
  };
  let state: State = { ...initial };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b === ESC) {
      const esc = escapeAt(bytes, i);
      if (esc) {
        state = { ...state, ...esc.set };
        i += esc.length;
        continue;
      }
    }
    if (b < 0x80) {
      if (state.g0 === 'jis0208' || state.g0 === 'jis0212') {
        // Two-byte G0: EUC-JP holds JIS X 0208 with both bytes' high bits set, and 0212 after 0x8F.
        if (i + 1 < bytes.length && b >= 0x21 && bytes[i + 1] >= 0x21) {
          if (state.g0 === 'jis0212') push('euc-jp', 0x8f, b | 0x80, bytes[i + 1] | 0x80);
          else push('euc-jp', b | 0x80, bytes[i + 1] | 0x80);
          i += 2;
          continue;
        }
        push('latin1', b);
      } else {
        // One-byte G0 (ISO-IR 6 or JIS X 0201 romaji, which agree but for two symbols):
        // every decoder here reads ASCII as ASCII, so it joins the current run.
        push(runs.length ? runs[runs.length - 1].decoder : 'latin1', b);
        if (isDelimiter(b, personName)) state = { ...initial };
      }
      i++;
      continue;
    }
    // G1 (bytes from 0x80).
    switch (state.g1) {
      case 'katakana':
        push('euc-jp', 0x8e, b);
        i++;
        break;
      case 'ksx1001':
      case 'gb2312':
        push(state.g1 === 'ksx1001' ? 'euc-kr' : 'gbk', b, ...(i + 1 < bytes.length ? [bytes[i + 1]] : []));
        i += 2;
        break;
      default:
        push(SINGLE_BYTE[state.g1] ? `iso${state.g1}` : 'latin1', b);
        i++;
    }
  }
  return runs.map((r) => (RUN_DECODERS[r.decoder] ?? SINGLE_BYTE[r.decoder.slice(3)]?.decode ?? latin1)(Uint8Array.from(r.bytes))).join('');
}

/** Whether bytes need a character set at all: plain ASCII without escapes reads the same in every set DICOM allows. */
export function isPlainAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80 || bytes[i] === ESC) return false;
  return true;
}
