// Scores are stored under the image the library holds. A file changed on disk since its import
// (a re-export, a copy over it) may hold another image now, even another patient's: scoring it
// would file the new pixels' scores under the held image, and training or evaluating on it would
// pair a label given to the old image with the new pixels. Every run that scores, trains,
// evaluates or suggests checks the files first (one stat each) and does nothing where one changed.
import type { ImageRef } from '../dicom/model-input';
import { checkImportedFile } from '../library/imported-file';
import type { Library } from '../library/library';

/**
 * The images whose file is no longer the one the library read at import (sameAsImported in
 * library/imported-file.ts: its size or time differ, or it is no longer a regular file): their
 * pixels may be another image's now, even another patient's, and a score of them would be stored
 * under the held image. A file that is gone is left to the decode, which names it.
 */
export function changedSinceImport(library: Pick<Library, 'listInstances'>, images: readonly Pick<ImageRef, 'seriesInstanceUid' | 'sopInstanceUid' | 'path'>[]): ImageRef['path'][] {
  const held = new Map<string, Map<string, { path: string; fileSize: number; mtimeMs: number }>>();
  const changed = new Set<string>();
  // A multi-frame file is one image per frame: one stat.
  const seen = new Set<string>();
  for (const image of images) {
    let series = held.get(image.seriesInstanceUid);
    if (!series) held.set(image.seriesInstanceUid, (series = new Map(library.listInstances(image.seriesInstanceUid).map((i) => [i.sopInstanceUid, i]))));
    const record = series.get(image.sopInstanceUid);
    if (!record || record.path !== image.path || seen.has(image.path)) continue;
    seen.add(image.path);
    const check = checkImportedFile(image.path, record);
    if (check.now && !check.same) changed.add(image.path);
  }
  return [...changed];
}

/** Why a run that met changed files did nothing ("nothing was scored", "trained"), naming the first. */
export function changedFilesMessage(changed: readonly string[], done: 'scored' | 'trained' | 'evaluated' | 'suggested' = 'scored'): string {
  if (changed.length === 1) return `${changed[0]} changed since it was imported (its size or time), so nothing was ${done}: it may hold another image now. Import its folder again, then run.`;
  return `${changed.length} files changed since they were imported (their size or time), so nothing was ${done}: ${changed[0]} and ${changed.length - 1} more. Import their folders again, then run.`;
}
