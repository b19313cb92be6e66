// A request over the browser bridge's WebSocket (electron/serve/server.ts) as a test sends it.
import WebSocket from 'ws';

/**
 * Sends `raw` (one frame, well formed or not) on `ws` and resolves with the `reply` of the
 * message that answers request `id` (null for a frame the bridge could not read an id from).
 */
export function bridgeReply(ws: WebSocket, raw: string, id: unknown): Promise<any> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString());
      if ('reply' in msg && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.reply);
      }
    };
    ws.on('message', onMessage);
    ws.send(raw);
  });
}

/** A WebSocket to the bridge at `url`, once open; refused (an HTTP status) or failed, the promise rejects. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}
