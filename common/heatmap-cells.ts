// When a heatmap can show where, and what to say when it cannot: one rule for the viewer's
// own class activation maps, the exported ones (Parametric Maps, Secondary Captures) and the
// maps read back from DICOM. A map of one cell, or one value everywhere, is one number over
// the whole image: drawn at full strength it reads as "the whole image is abnormal".

/** Whether a model's activation map of rows x columns cells has only one: a tiny network at a small input (32 px becomes 1×1). */
export function camOneCell(rows: number, columns: number): boolean {
  return rows * columns <= 1;
}

/** What the viewer and the exports say of a one-cell map. */
export const ONE_CELL_NOTE = "This model's heatmap is one cell (1×1) over the whole image: it cannot show where, so none is drawn.";

/** The export's note for the heatmaps it left out, one-cell maps of `count` images. */
export function oneCellExportNote(count: number): string {
  return `No heatmap written for ${count === 1 ? 'the 1 predicted image' : `the ${count} predicted images`}: the model's heatmap is one cell (1×1) over the whole image, so it cannot show where.`;
}

/**
 * Whether a map's values span no range: every value the same, to float32 precision (or none
 * finite). Such a map says nothing about where, however large its one value.
 */
export function mapIsUniform(min: number, max: number): boolean {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return true;
  // float32 keeps about 7 significant digits: a range below that of the values is rounding.
  return max - min <= Math.max(Math.abs(min), Math.abs(max)) * 1e-6;
}

/** A number for the note on a uniform map: 4 significant digits. */
export function uniformMapNote(value: number): string {
  const v = Number.isFinite(value) ? Number(value.toPrecision(4)) : value;
  return `uniform (${v} everywhere), so not drawn: it cannot show where`;
}
