import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAppPage } from '../../electron/main/origin';

// The URL Chromium reports for a page loaded from a file: percent-encoded, as
// Node's pathToFileURL writes it.
const loaded = (file: string, windows = false) => pathToFileURL(file, { windows }).href;

describe('the page that may call the main process', () => {
  it('is the app page when installed under a path with a space', () => {
    const index = '/opt/My Apps/Lumen/resources/app/renderer/dist/index.html';
    expect(isAppPage(loaded(index), index)).toBe(true);
    expect(isAppPage(loaded(index) + '#/viewer', index)).toBe(true);
  });

  it('is the app page on Windows (drive letters, backslashes, spaces)', () => {
    const index = 'C:\\Program Files\\Lumen\\resources\\app\\renderer\\dist\\index.html';
    expect(isAppPage(loaded(index, true), index, true)).toBe(true);
    // Chromium writes the drive letter in capitals whatever the path said.
    expect(isAppPage(loaded(index, true), index.replace('C:', 'c:'), true)).toBe(true);
    expect(isAppPage(loaded('C:\\Program Files\\Lumen\\resources\\app\\renderer\\dist-x\\index.html', true), index, true)).toBe(false);
  });

  it('is not a page in a sibling folder whose name starts the same', () => {
    const index = '/opt/lumen/renderer/dist/index.html';
    expect(isAppPage(loaded('/opt/lumen/renderer/dist-x/index.html'), index)).toBe(false);
    expect(isAppPage(loaded('/opt/lumen/renderer/distance.html'), index)).toBe(false);
  });

  it('is not another file in the same folder, nor the folder, nor another scheme', () => {
    const index = '/opt/lumen/renderer/dist/index.html';
    expect(isAppPage(loaded('/opt/lumen/renderer/dist/other.html'), index)).toBe(false);
    expect(isAppPage(loaded('/opt/lumen/renderer/dist/assets/evil.svg'), index)).toBe(false);
    expect(isAppPage('file:///opt/lumen/renderer/dist/', index)).toBe(false);
    expect(isAppPage('file:///opt/lumen/renderer/dist/x/../../dist-x/index.html', index)).toBe(false);
    expect(isAppPage('file://evil.example/opt/lumen/renderer/dist/index.html', index)).toBe(false);
    expect(isAppPage('https://example.com/opt/lumen/renderer/dist/index.html', index)).toBe(false);
    expect(isAppPage(loaded(index) + '?token=1', index)).toBe(false);
    expect(isAppPage('not a url', index)).toBe(false);
    expect(isAppPage('', index)).toBe(false);
  });
});
