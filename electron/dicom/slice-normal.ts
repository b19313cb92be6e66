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
