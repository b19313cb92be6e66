/**
 * The renderer's only way to the app: `window.lumen` (the Electron preload)
 * or, in a plain browser, the same contract over the bridge's WebSocket.
 */
import type { EventName, EventPayload, RequestInput, RequestName, RequestOutput } from '../../common/contract';
import { unpackBinaryMessage } from '../../common/binary-message';
import { isReply, RpcError, unwrap, type LumenApi } from '../../common/rpc';

declare global {
  interface Window {
    lumen?: LumenApi;
  }
}

type Listener = (payload: unknown) => void;

/** A WebSocket client for `lumen serve`; reconnects when the socket drops. */
export function connectBridge(url = bridgeUrl()): LumenApi {
  let socket: WebSocket | null = null;
  let opening: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<string, Set<Listener>>();

  const open = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      // Replies that carry pixels come as one binary message (common/binary-message.ts).
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        socket = ws;
        opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        opening = null;
        reject(new RpcError({ code: 'unavailable', message: 'Cannot reach the Lumen engine. Is "lumen serve" still running? Open the address it printed: it carries the access token.' }));
      };
      ws.onclose = () => {
        socket = null;
        for (const p of pending.values()) p.reject(new RpcError({ code: 'unavailable', message: 'The connection to the Lumen engine closed.' }));
        pending.clear();
      };
      ws.onmessage = (e) => {
        let msg: any;
        try {
          msg = e.data instanceof ArrayBuffer ? unpackBinaryMessage(e.data) : JSON.parse(String(e.data));
        } catch {
          return;
        }
        if (msg && typeof msg.event === 'string') {
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
          return;
        }
        const p = pending.get(msg?.id);
        if (!p) return;
        pending.delete(msg.id);
        if (!isReply(msg.reply)) return p.reject(new RpcError({ code: 'invalid_message', message: 'Malformed reply from the engine.' }));
        try {
          p.resolve(unwrap(msg.reply));
        } catch (err) {
          p.reject(err);
        }
      };
    });
    return opening;
  };

  return {
    shell: 'browser',
    async invoke<K extends RequestName>(method: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
      const ws = await open();
      const id = nextId++;
      return new Promise<RequestOutput<K>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, input }));
      });
    },
    on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void) {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener as Listener);
      void open().catch(() => {});
      return () => set.delete(listener as Listener);
    },
  };
}

const TOKEN_KEY = 'lumen.bridgeToken';

/**
 * The bridge's token: taken from the address "lumen serve" printed, then kept in
 * sessionStorage (this tab and this origin, port included; a reload still connects)
 * and removed from the address bar, where it would stay in history and be seen on
 * screen. Never a cookie: browsers send a cookie for 127.0.0.1 to every port.
 */
function bridgeToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromAddress = params.get('token');
  if (fromAddress) {
    sessionStorage.setItem(TOKEN_KEY, fromAddress);
    params.delete('token');
    const search = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function bridgeUrl(): string {
  const token = bridgeToken();
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/rpc${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** The API for this page: the preload's in Electron, the bridge's in a browser. */
export const lumen: LumenApi = window.lumen ?? connectBridge();
