/**
 * The browser bridge: the built renderer and the same contract over a
 * WebSocket, so the real UI runs in a plain browser against the real engine
 * (end-to-end tests; later, an engine on a shared GPU server).
 *
 * Security: bound to 127.0.0.1 only; every start makes a random token, and
 * requests from non-loopback peers, with a foreign Host header (DNS rebinding)
 * or a foreign Origin (cross-site WebSocket) are refused.
 *
 * The token authorises the WebSocket only, which carries every request and
 * event (all patient data). The static files are the built UI, the same for
 * every user and holding no patient data, so they are served without it. The
 * token is never a cookie: browsers do not scope cookies by port, so a cookie
 * for 127.0.0.1 would be sent to every other server on this machine that the
 * browser visits. The page takes the token from the printed address, keeps it
 * in sessionStorage (scoped to this origin, port included, and this tab),
 * removes it from the address bar, and sends it once, in the address of the
 * WebSocket handshake (renderer/src/api.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { packBinaryMessage } from '../../common/binary-message';
import { isRequestName, rejectionForLog, type Reply } from '../../common/rpc';
import { requests } from '../../common/contract';
import { chosenFolders } from '../engine/access';
import type { EngineHost } from '../engine/host';
import { errorMessage } from '../../common/errors';

export interface BridgeOptions {
  host: EngineHost;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  port?: number;
  /** Fixed token (tests); random by default. */
  token?: string;
  log?: (line: string) => void;
  /** Largest accepted WebSocket message. */
  maxMessageBytes?: number;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || address.startsWith('127.'));
}

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request target as a URL, or null when it is none (e.g. `//[`). */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const log = options.log ?? (() => {});
  const maxMessageBytes = options.maxMessageBytes ?? 1 << 20;
  const root = path.resolve(options.staticDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`The renderer is not built (${path.join(root, 'index.html')} is missing). Run "npm run build:renderer" first.`);
  }
  let port = 0;

  /** Host header must name us, so a DNS-rebound name cannot reach the bridge. */
  const hostAllowed = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) => !origin || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  const authorised = (url: URL) => sameToken(url.searchParams.get('token'), token);

  const refuse = (res: http.ServerResponse, status: number, why: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(why + '\n');
  };

  const serveFile = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = requestUrl(req);
    if (!url) return refuse(res, 400, 'Bad request target.');
    if (!isLoopback(req.socket.remoteAddress)) return refuse(res, 403, 'Lumen serves this machine only.');
    if (!hostAllowed(req.headers.host)) return refuse(res, 403, 'Unexpected Host header.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET.');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return refuse(res, 400, 'Bad request target: the path is not valid percent-encoding.');
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(root, '.' + rel);
    if (file !== root && !file.startsWith(root + path.sep)) return refuse(res, 403, 'Outside the app.');
    if (!existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'Not found.');
    const headers: Record<string, string> = {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // No other site may frame the UI and lure clicks into it.
      'x-frame-options': 'DENY',
    };
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', (err) => {
        log(`could not send ${rel}: ${err.message}`);
        res.destroy();
      })
      .pipe(res);
  };

  // Whatever a request does wrong ends that request only: the bridge process also holds the
  // engine and any training, so nothing a request or socket sends may throw past here.
  const server = http.createServer((req, res) => {
    try {
      serveFile(req, res);
    } catch (err) {
      log(`request failed: ${errorMessage(err)}`);
      if (!res.headersSent) refuse(res, 500, 'The request failed.');
      else res.destroy();
    }
  });

  /**
   * The folders the user chose in this session (typed into Import), besides the data folder
   * that the engine always allows: requests through the bridge may name paths only inside
   * these (electron/engine/access.ts). Kept for this start of the bridge, in memory only.
   */
  const chosenRoots = new Set<string>();

  // UTF-8 is checked here rather than by ws, which would close the socket without a word: the page
  // gets an answer saying what was wrong, and the socket stays open.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, skipUTF8Validation: true });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    // Node leaves an upgraded socket without an error handler: a reset would throw.
    socket.on('error', (err) => log(`WebSocket handshake failed: ${err.message}`));
    const refuseUpgrade = (status: string) => {
      socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    };
    try {
      const url = requestUrl(req);
      if (!url) return refuseUpgrade('400 Bad Request');
      const ok = isLoopback(req.socket.remoteAddress) && hostAllowed(req.headers.host) && originAllowed(req.headers.origin) && url.pathname === '/rpc' && authorised(url);
      if (!ok) {
        log(`refused a WebSocket from ${req.socket.remoteAddress} (origin ${req.headers.origin ?? 'none'})`);
        return refuseUpgrade('401 Unauthorized');
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
    } catch (err) {
      log(`WebSocket handshake failed: ${errorMessage(err)}`);
      refuseUpgrade('500 Internal Server Error');
    }
  });

  const send = (ws: WebSocket, message: unknown) => {
    if (ws.readyState !== ws.OPEN) return;
    // A reply with pixels (a viewer frame, a heatmap) goes as one binary message, its bytes
    // as they are; every other message as JSON text, as before.
    const binary = packBinaryMessage(message);
    ws.send(binary ?? JSON.stringify(message), { binary: !!binary });
  };

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // A message over the size limit: ws has already closed this socket with 1009; without a
    // handler the error would end the process.
    ws.on('error', (err) => log(`closed a WebSocket: ${err.message}`));
    ws.on('message', (data, isBinary) =>
      void handleMessage(ws, data, isBinary).catch((err) => {
        // A bug, not the peer's fault; still only this socket ends, never the process.
        log(`bridge message failed: ${errorMessage(err)}`);
        ws.close(1011, 'internal error');
      }),
    );
  });

  const handleMessage = async (ws: WebSocket, data: RawData, isBinary: boolean) => {
    let message: any;
    let text: string;
    try {
      text = utf8.decode(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : new Uint8Array(data));
    } catch {
      log('bad bridge message: not UTF-8');
      send(ws, { id: null, reply: { ok: false, error: { code: 'invalid_message', message: 'A message must be UTF-8 text: this one has bytes that are not UTF-8.' } } satisfies Reply });
      return;
    }
    try {
      if (isBinary) throw new Error('binary frames are not part of the contract');
      message = JSON.parse(text);
    } catch (err) {
      // Not the parser's message: it quotes the text, which may be a search for a patient's name.
      log(`bad bridge message: ${isBinary ? 'a binary frame' : err instanceof SyntaxError ? 'not JSON' : 'unreadable'}`);
      const reply: Reply = { ok: false, error: { code: 'invalid_message', message: 'A message must be JSON: {"id", "method", "input"}.' } };
      send(ws, { id: null, reply });
      return;
    }
    const id = message && (typeof message.id === 'number' || typeof message.id === 'string') ? message.id : null;
    if (id === null || !message || typeof message !== 'object') {
      log('bridge message without an id');
      send(ws, { id: null, reply: { ok: false, error: { code: 'invalid_message', message: 'A message needs an "id" (number or string).' } } });
      return;
    }
    const method: unknown = message.method;
    if (isRequestName(method) && requests[method].runsIn === 'main') {
      send(ws, { id, reply: { ok: false, error: { code: 'unavailable', method, message: `"${method}" needs the desktop app; it is not available in the browser.` } } });
      return;
    }
    const reply = await options.host.request(message.method, message.input, { roots: [...chosenRoots] });
    // A folder the user imported becomes one this session may name (a label CSV inside it).
    if (reply.ok && isRequestName(method)) for (const folder of chosenFolders(method, message.input)) chosenRoots.add(folder);
    if (!reply.ok && (reply.error.code === 'invalid_input' || reply.error.code === 'unknown_method')) log(`rejected bridge request: ${rejectionForLog(reply.error)}`);
    send(ws, { id, reply });
  };

  const unsubscribe = options.host.onEvent((event, payload) => {
    for (const ws of clients) send(ws, { event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
