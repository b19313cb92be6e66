// For the late-answer tests (test/e2e/*-late-*): the page's WebSocket to the bridge, with the replies to
// chosen requests kept back until the test lets them through, so an earlier request's answer can
// be made to arrive after the user has moved on. Everything else goes through as it comes.
// keepRequests holds the page's requests instead, and sends them on with an input the engine
// rejects: its error then arrives late.
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

export interface KeptRequests {
  /** From now on, requests for which `match` is true are kept back, not sent to the engine (null: none). */
  hold: (match: ((req: SentRequest) => boolean) | null) => void;
  /** The requests kept back, in the order the page sent them. */
  kept: SentRequest[];
  /** The engine's error messages in answer to the requests sent on by sendBroken (sent to the page too). */
  errorsBack: string[];
  /** Sends the kept requests on to the engine with `input` in place of theirs (an input it rejects), and forgets them. */
  sendBroken: (input: Record<string, unknown>) => void;
}

/**
 * Routes the page's /rpc socket through the test, holding requests rather than replies: those
 * for which `match` is true are kept back (the engine never sees them) until `sendBroken` sends
 * them on with another input, so the engine's own error about them comes back to the page late.
 * Everything else, and every answer, goes through as it comes. Call before page.goto or
 * page.reload. (holdReplies keeps answers back instead: for a late success.)
 */
export async function keepRequests(page: Page): Promise<KeptRequests> {
  let match: ((req: SentRequest) => boolean) | null = null;
  const kept: SentRequest[] = [];
  let server: { send: (m: string) => void } | undefined;
  const sentBroken = new Set<number>();
  const errorsBack: string[] = [];
  await page.routeWebSocket(/\/rpc/, (ws) => {
    const s = ws.connectToServer();
    server = s;
    ws.onMessage((m) => {
      if (typeof m === 'string') {
        const req = JSON.parse(m) as SentRequest;
        if (match?.(req)) return void kept.push(req);
      }
      s.send(m);
    });
    s.onMessage((m) => {
      if (typeof m === 'string') {
        const { id, reply } = JSON.parse(m) as { id?: number; reply?: { ok: boolean; error?: { message: string } } };
        if (id !== undefined && sentBroken.delete(id) && reply && !reply.ok) errorsBack.push(reply.error!.message);
      }
      ws.send(m);
    });
  });
  return {
    hold: (m) => (match = m),
    kept,
    errorsBack,
    sendBroken: (input) => {
      for (const req of kept.splice(0)) {
        sentBroken.add(req.id);
        server!.send(JSON.stringify({ ...req, input }));
      }
    },
  };
}

/** Lets the page handle what it has been sent (and React render it): a round trip through its event loop. */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
}
