/**
 * Which page the main process trusts, as a pure function (no electron import)
 * so that it is tested under plain Node.
 *
 * The check compares whole URLs, never string prefixes: a prefix built from
 * the folder let a sibling folder (`dist-x/`) pass, and refused every call
 * when the install path held a space (Chromium reports it as %20) or was a
 * Windows path (backslashes, a drive letter).
 */
import { pathToFileURL } from 'node:url';

const onWindows = process.platform === 'win32';

/** The app page's URL: what the window loads, so that the check compares like with like. */
export function appPageUrl(indexFile: string, windows = onWindows): string {
  return pathToFileURL(indexFile, { windows }).href;
}

/**
 * True when `url` is the app page itself (any #fragment; no query, no other
 * file, folder, host or scheme): only that page may call the main process or
 * be navigated to.
 */
export function isAppPage(url: string, indexFile: string, windows = onWindows): boolean {
  let page: URL;
  try {
    page = new URL(url);
  } catch {
    return false;
  }
  page.hash = '';
  const expected = appPageUrl(indexFile, windows);
  // Windows file names ignore case, and Chromium writes the drive letter in capitals.
  return windows ? page.href.toLowerCase() === expected.toLowerCase() : page.href === expected;
}
