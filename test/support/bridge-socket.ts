// A request over the browser bridge's WebSocket (electron/serve/server.ts) as a test sends it,
// and the end of a test that started the engine and the bridge.
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { unpackBinaryMessage } from '../../common/binary-message';
import type { EngineHost } from '../../electron/engine/host';
import type { Bridge } from '../../electron/serve/server';

/**
 * One message from the bridge as the page reads it (renderer/src/api.ts): text is JSON; a binary
 * message (a reply that holds bytes: a viewer frame, a heatmap) is unpacked by common/binary-message.
 */
export function bridgeMessage(data: WebSocket.RawData, isBinary: boolean): any {
  if (!isBinary) return JSON.parse(data.toString());
  const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return unpackBinaryMessage(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/**
 * Sends `raw` (one frame, well formed or not) on `ws` and resolves with the `reply` of the
 * message that answers request `id` (null for a frame the bridge could not read an id from).
 */
export function bridgeReply(ws: WebSocket, raw: string, id: unknown): Promise<any> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      const msg = bridgeMessage(data, isBinary);
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
