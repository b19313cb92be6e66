// Frames for the viewer (electron/dicom/viewer-frame.ts), made on the decode pool's viewer
// workers: a slow decode (a large JPEG 2000, a 12-bit JPEG) leaves the engine's thread free
// for every other request meanwhile. A frame asked for with a ticket can be withdrawn
// (viewer.cancel) while it waits for a worker, so a fast scroll does not queue every slice.
import type { ViewerFrame } from '../../../common/contract/library';
import { missingFrame } from '../../../common/frames';
import { viewerFrameOnPool } from '../../dicom/pool';
import type { InstanceRecord } from '../../library/types';

/** Frames asked for with a ticket and not yet answered, by ticket. */
const wanted = new Map<string, AbortController>();

/**
 * Registers the ticket now (before anything is awaited), so a viewer.cancel that follows the
 * request on the same channel always finds it; then the frame from the pool.
 */
export function viewerFrame(instance: InstanceRecord, frameIndex: number, ticket?: string): Promise<ViewerFrame> {
  if (instance.missing) return Promise.reject(new Error(`${instance.path} is gone from disk (image ${instance.sopInstanceUid}). Re-import its folder.`));
  const missing = missingFrame(instance.frames, frameIndex);
  if (missing) return Promise.reject(new Error(missing));
  if (!ticket) return viewerFrameOnPool(instance.path, frameIndex);
  const controller = new AbortController();
  wanted.set(ticket, controller);
  return viewerFrameOnPool(instance.path, frameIndex, controller.signal).finally(() => {
    if (wanted.get(ticket) === controller) wanted.delete(ticket);
  });
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
