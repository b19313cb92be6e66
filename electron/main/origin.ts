/**
 * Which page the main process trusts, as a pure function (no electron import)
 * so that it is tested under plain Node.
 *
 * The app page is served from app://lumen/ (app-protocol.ts), one fixed URL
 * whatever the install path. The check compares whole URLs, never string
 * prefixes: a prefix let a sibling (`dist-x/`) or another host pass.
 */
import { APP_PAGE_URL } from './app-protocol';

/**
 * True when `url` is the app page itself (any #fragment; no query, no other
 * file, folder, host or scheme): only that page may call the main process or
 * be navigated to.
 */
export function isAppPage(url: string): boolean {
  let page: URL;
  try {
    page = new URL(url);
  } catch {
    return false;
  }
  page.hash = '';
  return page.href === APP_PAGE_URL;
}
