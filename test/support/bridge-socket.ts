// A request over the browser bridge's WebSocket (electron/serve/server.ts) as a test sends it,
// and the end of a test that started the engine and the bridge.
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import type { EngineHost } from '../../electron/engine/host';
import type { Bridge } from '../../electron/serve/server';

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

/**
 * Closes what a bridge test opened, each part only if it was (a beforeAll may have stopped
 * half-way): the socket, then the bridge, then the engine; then removes `dirs`.
 */
export async function closeBridgeTest(opened: { ws?: WebSocket; bridge?: Bridge; host?: EngineHost }, ...dirs: (string | undefined)[]): Promise<void> {
  opened.ws?.close();
  await opened.bridge?.close();
  await opened.host?.close();
  for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
}
