// The cache of series thumbnails, `<library>/thumbnails/`: one PNG a series, named with the rule
// that drew it (THUMBNAIL_VERSION), so a thumbnail an older Lumen drew (a blank square before
// 5c802cd, a flat 32-bit image before c9c1dbe) is drawn again when next asked for, not kept until
// its series is imported again. Kept apart from thumbnail.ts, which pulls in the codecs.
import path from 'node:path';
import { readRegularFile } from '../../common/node/read-file';
import { ensurePrivateDir, removeInside, writeFileAtomic } from '../../common/node/safe-fs';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { errorMessage } from '../../common/errors';

/** The rule thumbnails are drawn with now; raise it whenever a change to thumbnail.ts or the pixel pipeline changes their pictures. */
export const THUMBNAIL_VERSION = 2;

/** The file of a series' thumbnail drawn by the current rule, its name made safe (importer.ts safeFileName). */
export const currentThumbnailName = (safeName: string) => `${safeName}.v${THUMBNAIL_VERSION}.png`;

/** Every name a series' thumbnail may have in the cache, current first (an older Lumen's: `<series>.png`). */
export function thumbnailNames(safeName: string): string[] {
  const older = [`${safeName}.png`];
  for (let v = 2; v < THUMBNAIL_VERSION; v++) older.push(`${safeName}.v${v}.png`);
  return [currentThumbnailName(safeName), ...older];
}

/** Regenerations of old thumbnails, one at a time for the whole process (a study list asks for many at once). */
let regenerations: Promise<unknown> = Promise.resolve();

const readCached = (file: string): Buffer | null => {
  try {
    return readRegularFile(file, 'cache');
  } catch {
    return null;
  }
};

/**
 * The thumbnail of series `seriesUid` from the cache in `dir`, else drawn by `make` and cached.
 * One an older Lumen drew is drawn again (one at a time, behind any other such) and replaces the
 * old file once the new one is written; where it cannot be drawn again, the old one is returned
 * as it is and `log` says why, naming the series. A cache only: a full or read-only disk still
 * gives the thumbnail, drawn again next time.
 */
export async function cachedThumbnail(dir: string, seriesUid: string, safeName: string, make: () => Promise<Buffer>, log: (line: string) => void): Promise<Buffer> {
  const [current, ...older] = thumbnailNames(safeName).map((name) => path.join(dir, name));
  const cached = readCached(current);
  if (cached) return cached;
  const oldFile = older.find((f) => readCached(f) !== null);
  let png: Buffer;
  if (!oldFile) png = await make();
  else {
    const turn = regenerations.then(make);
    regenerations = turn.catch(() => undefined);
    try {
      png = await turn;
    } catch (err) {
      const old = readCached(oldFile);
      if (!old) throw err;
      log(`The thumbnail of series ${seriesUid} made by an older Lumen could not be made again, so the old one is shown: ${errorMessage(err)}`);
      return old;
    }
  }
  try {
    ensurePrivateDir(dir);
    writeFileAtomic(current, png, { durable: false });
    // Only once the new one is in place: the old picture is a cache file, drawn from the series.
    for (const f of older) removeInside(dir, f);
  } catch (err) {
    if (!describeDiskProblem(err, dir)) throw err;
  }
  return png;
}
