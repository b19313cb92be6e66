/**
 * The model package formats this Lumen reads and writes, in words, from what `lumen doctor` and
 * app.info report (models/package/metadata.ts is the truth): the CLI and About say the same.
 */

/** "1 and 2", "1, 2 and 3". */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "reads 1 and 2; writes 2 for a package with calibration, uncertainty heads or a series head, 1 otherwise". */
export function packageFormatsText(r: { packageFormat: number; packageFormats: readonly number[]; packageFormatParts: readonly string[] }): string {
  const reads = `reads ${andList(r.packageFormats.map(String))}`;
  if (r.packageFormat === 1 || r.packageFormatParts.length === 0) return `${reads}; writes ${r.packageFormat}`;
  const parts = r.packageFormatParts.length === 1 ? r.packageFormatParts[0] : `${r.packageFormatParts.slice(0, -1).join(', ')} or ${r.packageFormatParts[r.packageFormatParts.length - 1]}`;
  return `${reads}; writes ${r.packageFormat} for a package with ${parts}, 1 otherwise`;
}
