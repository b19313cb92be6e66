import { countOf, imageCount } from '../../../common/counts';

/** "20260101" -> "01-Jan-2026" (as reading-room software shows dates). */
export function formatDate(dicom: string | null | undefined): string {
  if (!dicom || !/^\d{8}$/.test(dicom)) return dicom ?? '';
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${dicom.slice(6, 8)}-${months[Number(dicom.slice(4, 6)) - 1] ?? '?'}-${dicom.slice(0, 4)}`;
}

/**
 * A DICOM person name as people read it: "Phantom^Test" -> "Phantom, Test".
 * A name with ideographic and phonetic groups (PS3.5 6.2.1.2,
 * "Yamada^Tarou=山田^太郎=やまだ^たろう") shows the alphabetic name with the
 * ideographic one after it, "Yamada, Tarou (山田 太郎)"; where the alphabetic
 * group is empty, the ideographic (else phonetic) name alone, family name first.
 */
export function personName(pn: string | null | undefined): string {
  if (!pn) return '(no name)';
  const [alphabetic = '', ideographic = '', phonetic = ''] = pn.split('=');
  const [family, given] = alphabetic.split('^').map((p) => p.trim());
  const latin = given ? `${family}, ${given}` : (family ?? '');
  const spaced = (group: string) => group.split('^').map((p) => p.trim()).filter(Boolean).join(' ');
  const native = spaced(ideographic) || spaced(phonetic);
  if (!latin) return native || '(no name)';
  return native ? `${latin} (${native})` : latin;
}

export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** "2026-12-05T10:40:00Z" -> "05-Dec-2026 10:40" (local time): dates read the same everywhere. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
  return `${formatDate(day)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The parts that have something to say, joined by " · " (no "MR · · " for missing ones). */
export function joinParts(...parts: (string | number | null | undefined | false)[]): string {
  return parts
    .map((p) => (p === null || p === undefined || p === false ? '' : String(p).trim()))
    .filter((p) => p !== '')
    .join(' · ');
}

/** A length in mm for display: three significant digits (0.48828125 -> "0.488", 2.5 -> "2.5"). */
export function formatMm(mm: number): string {
  return String(Number(mm.toPrecision(3)));
}

/** "1 image", "3 images": the one counting helper the CLI uses too (common/counts.ts). */
export { countOf };

/**
 * A value after the Modality LUT, with its unit: integers as they are (HU), others with
 * enough decimals for their magnitude (Gy: "20", "1.25", "0.0312").
 */
export function formatValue(v: number, unit: string | null): string {
  const text = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(Math.abs(v) >= 100 ? 5 : 3)));
  return unit ? `${text} ${unit}` : text;
}

/**
 * What a series card is called: the words it shows, in their order, then what it does
 * ("CT S2, 3 images, coronal, open series"), so that a user who speaks what they see names it
 * (WCAG 2.5.3). No gaps where a field is empty.
 */
export function seriesLabel(se: {
  seriesNumber?: number | null;
  seriesDescription?: string | null;
  modality?: string | null;
  frames: number;
  missing?: number;
  localizer?: boolean;
  patientName?: string | null;
  patientId?: string | null;
}): string {
  const caption = [se.modality, se.seriesNumber === null || se.seriesNumber === undefined ? null : `S${se.seriesNumber}`].filter((p) => p !== null && p !== undefined && String(p).trim() !== '').join(' ');
  return [
    caption,
    imageCount(se.frames),
    se.missing ? `${se.missing} missing` : null,
    se.localizer ? 'localizer' : null,
    se.seriesDescription?.trim() || null,
    se.patientName ? personName(se.patientName) : null,
    se.patientId ? `ID ${se.patientId}` : null,
    'open series',
  ]
    .filter(Boolean)
    .join(', ');
}
