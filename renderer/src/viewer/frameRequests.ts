// A viewer frame asked of the engine so that it can be withdrawn: each request carries a ticket
// unique to this page, and a withdrawn one's ticket goes back in viewer.cancel (batched, one
// message per turn of the event loop), so the engine drops it before it decodes
// (electron/engine/viewer/frame.ts).
import type { ViewerFrame } from '../../../common/contract/library';
import type { LumenApi } from '../../../common/rpc';

/** What identifies this page's tickets among another tab's: random, letters and digits. */
const PAGE = Math.random().toString(36).slice(2, 10) || 'page';
let next = 1;
let toCancel: string[] = [];

function sendCancels(lumen: LumenApi): void {
  const tickets = toCancel;
  toCancel = [];
  // viewer.cancel takes at most 1000 tickets a message.
  for (let i = 0; i < tickets.length; i += 1000) void lumen.invoke('viewer.cancel', { tickets: tickets.slice(i, i + 1000) }).catch(() => undefined);
}

/** viewer.frame for one image; aborting `signal` withdraws it (its promise then rejects). */
export function requestFrame(lumen: LumenApi, input: { seriesInstanceUid: string; sopInstanceUid: string; frame: number }, signal: AbortSignal): Promise<ViewerFrame> {
  const ticket = `${PAGE}-${next++}`;
  const reply = lumen.invoke('viewer.frame', { ...input, ticket });
  signal.addEventListener(
    'abort',
    () => {
      if (toCancel.length === 0) queueMicrotask(() => sendCancels(lumen));
      toCancel.push(ticket);
    },
    { once: true },
  );
  return reply;
}
