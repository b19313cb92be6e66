// Cutting a file's identifiers out of its free text, for the Clean Descriptors option of the
// de-identified copies (deidentify.ts).
//
// What is matched, and how:
// - names (the parts of every person name of the file, 3 letters or more, and each name whole)
//   and other identifiers without digits (institution, station): as whole words only, so
//   that "Ann" never cuts "Scanner"; compared after Unicode case folding and with the
//   diacritics taken off, in NFC or NFD alike ("GRÖSSER", "grosser" and "Gro\u0308ßer" are "Größer"),
//   and with umlauts and å also as their two-letter spellings ("Mueller" is "Müller",
//   "Muller" too; "Odegaard" is "Ødegård"). A trailing possessive s goes with the name ("Müllers Knie"). Name particles
//   and titles (van, der, von, Prof, Frau...) are not cut on their own: they name nobody
//   and are ordinary words of descriptions;
// - identifiers with digits (patient, accession and other IDs): anywhere, even inside a
//   longer word, with spaces, dashes, dots, slashes and underscores ignored on both sides
//   ("MRN 774-411" is "MRN774411"); one shorter than 4 characters (such as "T1C") only as a
//   whole token, so that a short ID does not cut every number that holds its digits;
// - the file's dates (birth date, study, series, acquisition, content dates...): written in
//   any of the common ways, day or month first or year first, with dots, slashes, dashes or
//   none, with or without leading zeros, with four- or two-digit years, or with the month's
//   name in English or German ("01.01.1960", "1/1/60", "01/31/1960", "1960-01-01",
//   "01JAN1960", "1. Januar 1960", "Jan 1, 1960"). A date-like token is cut when one of its
//   readings is one of the file's dates.
// A year alone, or a month and year, is not cut: it is not one of the file's dates.

/** Letters that neither case folding nor NFKD takes to plain Latin. */
const SPECIAL: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ß: 'ss' };
const UMLAUTS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', å: 'aa', Ä: 'AE', Ö: 'OE', Ü: 'UE', Å: 'AA' };
const MARK = /\p{M}/u;
const LETTER = /\p{L}/u;
const ALNUM = /[\p{L}\p{N}]/u;
const ID_SEPARATOR = /[\s\-./_:]/u;

/** Name particles and titles: not cut on their own (the name they are part of is). */
const NOT_NAMES = new Set([
  'van', 'von', 'der', 'den', 'des', 'del', 'della', 'dos', 'das', 'the', 'and', 'und', 'ten', 'ter', 'zum', 'zur', 'bin', 'ibn', 'mac',
  'prof', 'mrs', 'miss', 'frau', 'herr', 'dipl', 'med', 'phd', 'dott', 'sir', 'rev',
]);

function foldOne(ch: string): string {
  if (ch.length === 1 && ch < '\u0080') return ch.toLowerCase();
  // Upper then lower case is the full case fold for what descriptions hold (ß → SS → ss, ﬁ → fi).
  const folded = ch.toUpperCase().toLowerCase().normalize('NFKD');
  let out = '';
  for (const c of folded) if (!MARK.test(c)) out += SPECIAL[c] ?? c;
  return out;
}

/** A folded text with, for each of its characters, the span of the source it came from. */
interface Folded {
  text: string;
  start: number[];
  end: number[];
}

/** Folds `text` for matching; `umlauts` spells ä, ö, ü as ae, oe, ue; `dropSeparators` leaves ID separators out. */
function fold(text: string, opts: { umlauts?: boolean; dropSeparators?: boolean } = {}): Folded {
  const out: Folded = { text: '', start: [], end: [] };
  let i = 0;
  for (const cp of text) {
    const at = i;
    i += cp.length;
    // A combining mark belongs to the letter before it: the span of that letter grows.
    if (MARK.test(cp)) {
      if (out.end.length) out.end[out.end.length - 1] = i;
      continue;
    }
    if (opts.dropSeparators && ID_SEPARATOR.test(cp)) continue;
    let c = cp;
    if (opts.umlauts) {
      // NFD ü is u + U+0308: spelled ue as NFC ü is.
      const composed = (cp + (text.slice(i).match(/^\p{M}+/u)?.[0] ?? '')).normalize('NFC');
      if (UMLAUTS[composed]) c = UMLAUTS[composed];
    }
    for (const f of foldOne(c)) {
      out.text += f;
      out.start.push(at);
      out.end.push(i);
    }
  }
  return out;
}

const foldKey = (s: string, opts: { umlauts?: boolean; dropSeparators?: boolean } = {}) => fold(s, opts).text;

export interface TextIdentifiers {
  /** Names and other words, cut as whole words. */
  names: string[];
  /** Identifiers with digits (IDs, accession numbers). */
  ids: string[];
  /** The file's dates, as yyyymmdd. */
  dates: string[];
}

/** Adds a person name's groups and parts to `names`. */
export function addPersonName(names: Set<string>, group: string): void {
  const whole = group.trim();
  if (whole.length >= 2) names.add(whole);
  for (const part of whole.split(/[\^= ,]+/)) {
    const p = part.replace(/^[.'’-]+|[.'’-]+$/g, '');
    if ([...p].length >= 3 && !NOT_NAMES.has(foldKey(p).replace(/\.$/, ''))) names.add(p);
  }
}

/** Spans [start, end) of the source text to cut. */
type Span = [number, number];

function nameSpans(text: string, names: string[]): Span[] {
  const spans: Span[] = [];
  const folds = [fold(text), fold(text, { umlauts: true })];
  const keys = new Set(names.flatMap((n) => [foldKey(n), foldKey(n, { umlauts: true })]).filter((k) => k.length >= 2));
  for (const f of folds) {
    for (const key of keys) {
      for (let at = f.text.indexOf(key); at >= 0; at = f.text.indexOf(key, at + 1)) {
        let end = at + key.length;
        if (at > 0 && LETTER.test(f.text[at - 1]) && LETTER.test(key[0])) continue;
        // A possessive s ("Müllers", "Smith's") goes with the name.
        const rest = f.text.slice(end);
        const possessive = /^(?:s|['’]s)(?!\p{L})/u.exec(rest);
        if (possessive) end += possessive[0].length;
        else if (end < f.text.length && LETTER.test(f.text[end]) && LETTER.test(key[key.length - 1])) continue;
        spans.push([f.start[at], f.end[end - 1]]);
      }
    }
  }
  return spans;
}

function idSpans(text: string, ids: string[]): Span[] {
  const spans: Span[] = [];
  const loose = fold(text, { dropSeparators: true });
  const plain = fold(text);
  for (const id of ids) {
    const key = foldKey(id, { dropSeparators: true });
    if (key.length >= 4) {
      for (let at = loose.text.indexOf(key); at >= 0; at = loose.text.indexOf(key, at + 1)) spans.push([loose.start[at], loose.end[at + key.length - 1]]);
    } else if (key.length >= 2) {
      // A short ID: a whole token only.
      const whole = foldKey(id);
      for (let at = plain.text.indexOf(whole); at >= 0; at = plain.text.indexOf(whole, at + 1)) {
        const end = at + whole.length;
        if ((at > 0 && ALNUM.test(plain.text[at - 1])) || (end < plain.text.length && ALNUM.test(plain.text[end]))) continue;
        spans.push([plain.start[at], plain.end[end - 1]]);
      }
    }
  }
  return spans;
}

const MONTHS: [RegExp, number][] = [
  [/^jan(?:uary|uar)?$/, 1],
  [/^feb(?:ruary|ruar)?$/, 2],
  [/^(?:mar(?:ch)?|m[aä]rz|maerz)$/, 3],
  [/^apr(?:il)?$/, 4],
  [/^ma[iy]$/, 5],
  [/^jun[ei]?$/, 6],
  [/^jul[yi]?$/, 7],
  [/^aug(?:ust)?$/, 8],
  [/^sep(?:t|tember)?$/, 9],
  [/^o[ck]t(?:ober)?$/, 10],
  [/^nov(?:ember)?$/, 11],
  [/^de[cz](?:ember)?$/, 12],
];
const MONTH = '(january|januar|jan|february|februar|feb|march|märz|maerz|marz|mar|april|apr|may|mai|june|juni|jun|july|juli|jul|august|aug|september|sept|sep|october|oktober|oct|okt|november|nov|december|dezember|dec|dez)(?!\\p{L})';
const monthNumber = (name: string) => MONTHS.find(([re]) => re.test(name.toLowerCase()))?.[1] ?? 0;

/** Date-like tokens, each with how to read its groups: y, m, d for year (4 or 2 digits), month, day. */
const DATE_FORMS: { re: RegExp; readings: (g: string[]) => [string, number, number][] }[] = [
  {
    // Three numbers with dots, slashes or dashes: 1960-01-01, 01.01.1960, 1/31/60.
    re: /(?<!\d[./-]|\d)(\d{1,4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4}|\d{2})(?!\d|[./-]\d)/gu,
    readings: ([a, b, c]) =>
      a.length === 4
        ? [[a, +b, +c]]
        : a.length <= 2
          ? [[c, +b, +a], [c, +a, +b], ...(c.length === 2 && a.length === 2 ? [[a, +b, +c] as [string, number, number]] : [])]
          : [],
  },
  {
    // Digits alone: 19600101, 01011960, 600101, 010160.
    re: /(?<!\d)(\d{8}|\d{6})(?!\d)/gu,
    readings: ([s]) => {
      const n = s.length === 8 ? 4 : 2;
      return [
        [s.slice(0, n), +s.slice(n, n + 2), +s.slice(n + 2)],
        [s.slice(4), +s.slice(2, 4), +s.slice(0, 2)],
        [s.slice(4), +s.slice(0, 2), +s.slice(2, 4)],
      ];
    },
  },
  {
    // Day, month's name, year: 1. Januar 1960, 01-JAN-1960, 01JAN60, 1st Jan 1960.
    re: new RegExp(`(?<![\\p{L}\\d])(\\d{1,2})(?:st|nd|rd|th)?\\.?[\\s-]*${MONTH}\\.?[\\s,-]*(\\d{4}|\\d{2})(?!\\d)`, 'giu'),
    readings: ([d, m, y]) => [[y, monthNumber(m), +d]],
  },
  {
    // Month's name, day, year: Jan 1, 1960; January 1st 1960.
    re: new RegExp(`(?<!\\p{L})${MONTH}\\.?\\s*(\\d{1,2})(?:st|nd|rd|th)?[\\s,.]+(\\d{4}|\\d{2})(?!\\d)`, 'giu'),
    readings: ([m, d, y]) => [[y, monthNumber(m), +d]],
  },
];

function dateSpans(text: string, dates: string[]): Span[] {
  if (!dates.length) return [];
  const known = dates.map((d) => ({ y: d.slice(0, 4), m: +d.slice(4, 6), d: +d.slice(6, 8) }));
  const spans: Span[] = [];
  for (const form of DATE_FORMS) {
    for (const match of text.matchAll(form.re)) {
      const hit = form.readings(match.slice(1)).some(([y, m, d]) => known.some((k) => k.m === m && k.d === d && (y.length === 4 ? k.y === y : k.y.slice(2) === y)));
      if (hit) spans.push([match.index!, match.index! + match[0].length]);
    }
  }
  return spans;
}

/** `text` with every identifier of `ids` cut out (see the top of this file); unchanged when none is in it. */
export function cleanText(text: string, ids: TextIdentifiers): string {
  const spans = [...dateSpans(text, ids.dates), ...idSpans(text, ids.ids), ...nameSpans(text, ids.names)].sort((a, b) => a[0] - b[0]);
  if (!spans.length) return text;
  let out = '';
  let at = 0;
  for (const [s, e] of spans) {
    if (e <= at) continue;
    out += text.slice(at, Math.max(s, at));
    at = e;
  }
  out += text.slice(at);
  // What the cuts leave: empty brackets, a ^ or / standing alone, a comma after a space.
  return out
    .replace(/\(\s*\)|\[\s*\]/g, '')
    .replace(/(^|\s)[\^/]+(?=\s|$)/g, '$1')
    .replace(/\s+([,;:])/g, '$1')
    .replace(/([,;:])[,;:]+/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,;:\-^]+|[\s,;:\-^]+$/g, '');
}

/** A DA value, or the date of a DT, as yyyymmdd; null when it is not one. */
export function dateOf(value: string): string | null {
  const m = /^\s*(\d{8})/.exec(value);
  return m ? m[1] : null;
}
