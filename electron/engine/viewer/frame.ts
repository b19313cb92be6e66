// Frames for the viewer (electron/dicom/viewer-frame.ts), made on the decode pool's viewer
// workers: a slow decode (a large JPEG 2000, a 12-bit JPEG) leaves the engine's thread free
// for every other request meanwhile. A frame asked for with a ticket can be withdrawn
// (viewer.cancel) while it waits for a worker, so a fast scroll does not queue every slice.
// A frame refused for its values (pixels.ts refuseUnshowable) is remembered, as the page
// remembers a decoded frame, so scrolling back over it does not read and decode it again.
// A file whose size or time is no longer what the library recorded at import (the rule of
// library/imported-file.ts) is not shown: it may now hold another image, even another patient's,
// and the page would draw it under the library's patient. One stat, made while the frame decodes
// (no wait added), tells; and after a decode refuses, and on each visit of a frame held as refused.
import type { ViewerFrame } from '../../../common/contract/library';
import { missingFrame } from '../../../common/frames';
import { refusedForValues } from '../../dicom/pixels';
import { FrameWithdrawn, viewerFrameOnPool } from '../../dicom/pool';
import { fileNow, sameAsImported, type FileNow } from '../../library/imported-file';
import type { InstanceRecord } from '../../library/types';

/** Frames asked for with a ticket and not yet answered, by ticket. */
const wanted = new Map<string, AbortController>();

/** The most refusals kept: each is a sentence, so a few hundred series' worth costs little. */
export const REFUSALS_KEPT = 256;

/**
 * A file changed this recently (its status change time, which no program sets back) when a
 * decode of it began may have been read mid-change: its refusal is not kept. Wide enough for a
 * coarse file system clock.
 */
const SETTLED_MS = 2000;

/** A file's size and times, as a stat gives them. */
interface Stamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** A refusal and the file it was made from, as it was then (changed since, it is decoded again). */
interface Refusal extends Stamp {
  path: string;
  error: Error;
}

/** Refusals by image and frame (the page's frame key), oldest use first. */
const refused = new Map<string, Refusal>();

/** The file's size and times (and whether it is a regular file) from one stat, or null where it cannot be read. */
const stampOf: (path: string) => Promise<FileNow | null> = fileNow;

const sameStamp = (a: Stamp, b: Stamp) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

/** The file of an image is no longer the one the library read at import: not shown, with what to do. */
class ChangedSinceImport extends Error {
  constructor(instance: InstanceRecord) {
    super(`${instance.path} changed since it was imported (its size or time), so it is not shown under this series: it may hold another image now. Import its folder again (image ${instance.sopInstanceUid}).`);
  }
}

/**
 * Registers the ticket now (before anything is awaited), so a viewer.cancel that follows the
 * request on the same channel always finds it; then the frame from the pool.
 */
export function viewerFrame(instance: InstanceRecord, frameIndex: number, ticket?: string): Promise<ViewerFrame> {
  if (instance.missing) return Promise.reject(new Error(`${instance.path} is gone from disk (image ${instance.sopInstanceUid}). Re-import its folder.`));
  const missing = missingFrame(instance.frames, frameIndex);
  if (missing) return Promise.reject(new Error(missing));
  if (!ticket) return frameOrRefusal(instance, frameIndex);
  const controller = new AbortController();
  wanted.set(ticket, controller);
  return frameOrRefusal(instance, frameIndex, controller.signal).finally(() => {
    if (wanted.get(ticket) === controller) wanted.delete(ticket);
  });
}

/**
 * The frame from the pool, or the refusal kept for it while its file is unchanged. A refusal is
 * stamped after the decode, so it is kept only where the file is provably the one the decode
 * read: as the library recorded it at import, or unchanged since well before the decode began. A
 * file the library recorded otherwise is refused as changed since import, and that is not kept.
 */
async function frameOrRefusal(instance: InstanceRecord, frameIndex: number, signal?: AbortSignal): Promise<ViewerFrame> {
  const key = `${instance.sopInstanceUid}/${frameIndex}`;
  const held = refused.get(key);
  if (held) {
    refused.delete(key);
    const now = await stampOf(instance.path);
    if (now && held.path === instance.path && sameStamp(held, now)) {
      refused.set(key, held);
      throw held.error;
    }
  }
  const began = Date.now();
  // A record from the library carries the file's size and time as imported (a bare path does not).
  const recorded = typeof instance.fileSize === 'number';
  const changed = (now: FileNow | null) => recorded && now !== null && !sameAsImported(instance, now);
  const during = recorded ? stampOf(instance.path) : null;
  try {
    const frame = await viewerFrameOnPool(instance.path, frameIndex, signal);
    if (changed(await during)) throw new ChangedSinceImport(instance);
    return frame;
  } catch (err) {
    if (err instanceof ChangedSinceImport || err instanceof FrameWithdrawn) throw err;
    // A changed file is refused for that, whatever its decode said (its words would be the new file's).
    const then = recorded || refusedForValues(err) ? await stampOf(instance.path) : null;
    if (changed(then)) throw new ChangedSinceImport(instance);
    if (!refusedForValues(err)) throw err;
    // Here a recorded file is as the library recorded it (changed() above refused any other).
    if (then && (recorded || then.ctimeMs < began - SETTLED_MS)) {
      refused.set(key, { path: instance.path, ...then, error: err as Error });
      if (refused.size > REFUSALS_KEPT) refused.delete(refused.keys().next().value!);
    }
    throw err;
  }
}

/** Withdraws the frames of these tickets; returns how many were still pending (unknown or answered ones are ignored). */
export function cancelViewerFrames(tickets: readonly string[]): number {
  let cancelled = 0;
  for (const ticket of tickets) {
    const controller = wanted.get(ticket);
    if (!controller) continue;
    wanted.delete(ticket);
    controller.abort();
    cancelled++;
  }
  return cancelled;
}
