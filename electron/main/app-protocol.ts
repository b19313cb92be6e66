/**
 * The desktop app's page is served from app://lumen/, a privileged custom
 * scheme, rather than file://: a page on file:// may read other local files
 * through the file protocol, and gets no response headers. The resolver is
 * a pure function (no electron import) so that it is tested under plain Node;
 * main.ts hands each request to it (protocol.handle).
 *
 * It serves only regular files inside the renderer's dist folder: the path
 * is decoded one segment at a time, and a segment that is `.`/`..` or hides
 * a slash, a backslash or a NUL is refused; the file is then resolved with
 * symbolic links followed and must still lie inside the folder.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lumen';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The app page: what the window loads and the only page that may call the main process. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * The page's Content-Security-Policy, sent as a header with every response.
 * The same as the meta tag in renderer/index.html (which the browser bridge
 * relies on) except connect-src: the desktop app talks through the preload,
 * never a WebSocket. Both are enforced, so the page gets the stricter one.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppResource =
  | { ok: true; file: string; contentType: string }
  | { ok: false; status: 400 | 404 | 405; reason: string };

const inside = (root: string, file: string) => {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/** The file `url` names inside `root` (the renderer's dist folder), or why there is none. */
export function resolveAppRequest(url: string, root: string, method = 'GET'): AppResource {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, status: 405, reason: `method ${method}` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return { ok: false, status: 400, reason: 'not an app:// address' };
  const segments: string[] = [];
  for (const raw of parsed.pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'malformed escape' };
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || /^[a-zA-Z]:/.test(segment)) {
      return { ok: false, status: 400, reason: 'a path segment that is not a plain name' };
    }
    segments.push(segment);
  }
  if (segments.length === 0) segments.push('index.html');
  else if (segments[segments.length - 1] === '') segments[segments.length - 1] = 'index.html';
  if (segments.slice(0, -1).some((s) => s === '')) return { ok: false, status: 400, reason: 'an empty path segment' };
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { ok: false, status: 404, reason: 'no renderer build' };
  }
  const file = path.join(realRoot, ...segments);
  if (!inside(realRoot, file)) return { ok: false, status: 400, reason: 'outside the app folder' };
  let real: string;
  try {
    real = realpathSync(file);
    if (!statSync(real).isFile()) return { ok: false, status: 404, reason: 'not a file' };
  } catch {
    return { ok: false, status: 404, reason: 'no such file' };
  }
  if (!inside(realRoot, real)) return { ok: false, status: 404, reason: 'a link out of the app folder' };
  return { ok: true, file: real, contentType: TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
}

/** The headers of every app:// response. */
export function appHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': APP_CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-cache',
  };
}
