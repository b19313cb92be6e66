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

/** The apostrophe csvCell put before formula-like text taken off again, so that what was written reads back as it was. */
export function uncsvText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
