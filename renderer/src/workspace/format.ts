/** "20260101" -> "01-Jan-2026" (as reading-room software shows dates). */
export function formatDate(dicom: string | null | undefined): string {
  if (!dicom || !/^\d{8}$/.test(dicom)) return dicom ?? '';
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${dicom.slice(6, 8)}-${months[Number(dicom.slice(4, 6)) - 1] ?? '?'}-${dicom.slice(0, 4)}`;
}

/** "Phantom^Test" -> "Phantom, Test". */
export function personName(pn: string | null | undefined): string {
  if (!pn) return '(no name)';
  const [family, given] = pn.split('^');
  return given ? `${family}, ${given}` : family;
}

export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}
