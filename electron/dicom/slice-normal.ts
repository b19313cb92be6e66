/**
 * The normal of an image's plane: row direction × column direction of Image Orientation
 * (Patient) (0020,0037). A slice's place in a stack is its Image Position (Patient) projected on
 * it: the library sorts by it (electron/library/sort.ts), finds missing slices by it
 * (slice-gaps.ts), and the viewer reads "Loc" from it where a file has no Slice Location
 * (viewer-frame.ts).
 */
export function sliceNormal(o: readonly number[]): [number, number, number] {
  return [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
}

/**
 * Where a slice lies along its plane's unit normal (mm): the first three values of `p` projected
 * on the normal of the first six of `o`, as viewers read "Loc". Null where one of them is not a
 * finite number or the orientation's two directions are parallel (no plane). `+ 0` turns a -0
 * into 0 ("Loc 0.0 mm", not "-0.0").
 */
export function positionOnUnitNormal(p: readonly number[], o: readonly number[]): number | null {
  if (p.length < 3 || o.length < 6 || !p.slice(0, 3).every(Number.isFinite) || !o.slice(0, 6).every(Number.isFinite)) return null;
  const n = sliceNormal(o);
  const length = Math.hypot(n[0], n[1], n[2]);
  if (!(length > 1e-6)) return null;
  return (p[0] * n[0] + p[1] * n[1] + p[2] * n[2]) / length + 0;
}
