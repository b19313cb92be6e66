// Frames for the viewer (electron/dicom/viewer-frame.ts), made on the decode pool's viewer
// workers: a slow decode (a large JPEG 2000, a 12-bit JPEG) leaves the engine's thread free
// for every other request meanwhile. A frame asked for with a ticket can be withdrawn
// (viewer.cancel) while it waits for a worker, so a fast scroll does not queue every slice.
// A frame refused for its values (pixels.ts refuseUnshowable) is remembered, as the page
// remembers a decoded frame, so scrolling back over it does not read and decode it again. The
// disk is asked (one stat) only where a refusal is at stake: after a decode refuses, and on each
// visit of a frame held as refused; a frame that is shown costs none.
import { stat } from 'node:fs/promises';
import type { ViewerFrame } from '../../../common/contract/library';
import { missingFrame } from '../../../common/frames';
import { refusedForValues } from '../../dicom/pixels';
import { viewerFrameOnPool } from '../../dicom/pool';
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

/** The file's size and times, or null where it cannot be read. */
const stampOf = (path: string): Promise<Stamp | null> => stat(path).then(
  (s) => ({ size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs }),
  () => null,
);

const sameStamp = (a: Stamp, b: Stamp) => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;

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
 * stamped after the decode (no stat before one: most frames are shown), so it is kept only where
 * the file is provably the one the decode read: as the library recorded it at import, or unchanged
 * since well before the decode began.
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
  try {
    return await viewerFrameOnPool(instance.path, frameIndex, signal);
  } catch (err) {
    const then = refusedForValues(err) ? await stampOf(instance.path) : null;
    const asImported = then && then.size === instance.fileSize && then.mtimeMs === instance.mtimeMs;
    if (then && (asImported || then.ctimeMs < began - SETTLED_MS)) {
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
