// For the late-answer tests (test/e2e/*-late-*): the page's WebSocket to the bridge, with the replies to
// chosen requests kept back until the test lets them through, so an earlier request's answer can
// be made to arrive after the user has moved on. Everything else goes through as it comes.
import type { Page, WebSocketRoute } from 'playwright-core';

export interface SentRequest {
  id: number;
  method: string;
  input?: Record<string, unknown>;
}

export interface HeldReplies {
  /** From now on, replies to requests for which `match` is true are kept back (null: none). */
  hold: (match: ((req: SentRequest) => boolean) | null) => void;
  /** Resolves once `n` replies in all have been kept back. */
  held: (n?: number) => Promise<void>;
  /** Sends the kept replies to the page, in the order they came, and forgets them. */
  release: () => void;
  /** The requests the page sent, in order. */
  sent: SentRequest[];
}

/** Routes the page's /rpc socket through the test; call before page.goto. */
export async function holdReplies(page: Page): Promise<HeldReplies> {
  let client: WebSocketRoute | undefined;
  let match: ((req: SentRequest) => boolean) | null = null;
  const heldIds = new Set<number>();
  const kept: string[] = [];
  const sent: SentRequest[] = [];
  let keptCount = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const wake = () => {
    for (const w of [...waiters]) {
      if (keptCount < w.n) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  await page.routeWebSocket(/\/rpc/, (ws) => {
    client = ws;
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (typeof m === 'string') {
        const req = JSON.parse(m) as SentRequest;
        sent.push(req);
        if (match?.(req)) heldIds.add(req.id);
      }
      server.send(m);
    });
    server.onMessage((m) => {
      if (typeof m === 'string') {
        const id = (JSON.parse(m) as { id?: number }).id;
        if (id !== undefined && heldIds.delete(id)) {
          kept.push(m);
          keptCount++;
          wake();
          return;
        }
      }
      ws.send(m);
    });
  });
  return {
    hold: (m) => (match = m),
    held: (n = 1) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        wake();
      }),
    release: () => {
      for (const m of kept.splice(0)) client!.send(m);
    },
    sent,
  };
}

/** Lets the page handle what it has been sent (and React render it): a round trip through its event loop. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
}
