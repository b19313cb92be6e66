import { describe, expect, it } from 'vitest';
import { APP_PAGE_URL } from '../../electron/main/app-protocol';
import { isAppPage } from '../../electron/main/origin';

describe('the page that may call the main process', () => {
  it('is app://lumen/index.html, with or without a fragment', () => {
    expect(APP_PAGE_URL).toBe('app://lumen/index.html');
    expect(isAppPage('app://lumen/index.html')).toBe(true);
    expect(isAppPage('app://lumen/index.html#/viewer')).toBe(true);
    // What Chromium reports after resolving dot segments is the page itself.
    expect(isAppPage('app://lumen/assets/../index.html')).toBe(true);
  });

  it('is not another file, the folder, another host or scheme, or the page with a query', () => {
    expect(isAppPage('app://lumen/other.html')).toBe(false);
    expect(isAppPage('app://lumen/assets/evil.svg')).toBe(false);
    expect(isAppPage('app://lumen/')).toBe(false);
    expect(isAppPage('app://lumen/index.html?token=1')).toBe(false);
    expect(isAppPage('app://evil/index.html')).toBe(false);
    expect(isAppPage('app://lumen.evil/index.html')).toBe(false);
    expect(isAppPage('app://lumen:8080/index.html')).toBe(false);
    expect(isAppPage('file:///opt/lumen/renderer/dist/index.html')).toBe(false);
    expect(isAppPage('https://lumen/index.html')).toBe(false);
    expect(isAppPage('app://lumen/index.html/')).toBe(false);
    expect(isAppPage('not a url')).toBe(false);
    expect(isAppPage('')).toBe(false);
  });
});
