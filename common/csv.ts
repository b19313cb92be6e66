// CSV cells as Lumen writes them (tables, label exports): RFC 4180 quoting, and text a
// spreadsheet would run as a formula made inert. The label import reads the same form back.

import { plainText } from './plain-text';

export type Cell = string | number | boolean | null;

/** Text a spreadsheet reads as a formula: =, +, -, @, tab or carriage return first. */
export const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. Text a spreadsheet would read as a formula gets a leading apostrophe (OWASP's
 * CSV injection advice); a cell with a comma, quote or line break is quoted, its quotes
 * doubled. Numbers stay numbers.
 */
export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // Text from DICOM files may hold bidirectional or control characters: shown as U+FFFD (common/plain-text.ts).
  const shown = plainText(value, { lines: true });
  const text = FORMULA_START.test(shown) ? `'${shown}` : shown;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A saved spreadsheet's bytes as text: UTF-16 when it starts with that byte order mark (Excel's
 * "Unicode Text"), else UTF-8 with its byte order mark kept for the reader to drop. Bytes that
 * are not UTF-8 (a sheet saved in a Windows code page) become U+FFFD, which the label import
 * names by row rather than guessing the code page.
 */
export function decodeSpreadsheetText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** The apostrophe csvCell put before formula-like text taken off again, so that what was written reads back as it was. */
export function uncsvText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
