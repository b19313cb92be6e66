// The app:// resolver (electron/main/app-protocol.ts) on a real folder: only
// regular files inside the renderer's dist folder, whatever the URL says.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, appHeaders, resolveAppRequest } from '../../electron/main/app-protocol';

let root: string;
let dist: string;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-app-protocol-'));
  dist = path.join(root, 'renderer', 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
  writeFileSync(path.join(dist, 'assets', 'index-1.js'), 'export {}');
  writeFileSync(path.join(dist, 'assets', 'a b.css'), 'body{}');
  writeFileSync(path.join(root, 'renderer', 'secret.txt'), 'outside');
  mkdirSync(path.join(root, 'renderer', 'dist-x'));
  writeFileSync(path.join(root, 'renderer', 'dist-x', 'index.html'), 'sibling');
  symlinkSync(path.join(root, 'renderer', 'secret.txt'), path.join(dist, 'assets', 'link.txt'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const status = (url: string, method?: string) => {
  const r = resolveAppRequest(url, dist, method);
  return r.ok ? 200 : r.status;
};

describe('app:// resolves only files inside the renderer build', () => {
  it('serves the page, its assets and encoded names, with their types', () => {
    expect(resolveAppRequest('app://lumen/index.html', dist)).toMatchObject({ ok: true, file: path.join(dist, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveAppRequest('app://lumen/', dist)).toMatchObject({ ok: true, file: path.join(dist, 'index.html') });
    expect(resolveAppRequest('app://lumen/assets/index-1.js?v=1#x', dist)).toMatchObject({ ok: true, contentType: 'text/javascript; charset=utf-8' });
    expect(resolveAppRequest('app://lumen/assets/a%20b.css', dist)).toMatchObject({ ok: true, file: path.join(dist, 'assets', 'a b.css') });
    expect(status('app://lumen/index.html', 'HEAD')).toBe(200);
  });

  it('refuses .. in every spelling, encoded slashes and backslashes', () => {
    for (const url of [
      'app://lumen/%2e%2e/secret.txt',
      'app://lumen/assets/%2E%2E/%2E%2E/secret.txt',
      'app://lumen/..%2fsecret.txt',
      'app://lumen/..%2Fdist-x%2Findex.html',
      'app://lumen/assets%2f..%2f..%2fsecret.txt',
      'app://lumen/..%5csecret.txt',
      'app://lumen/assets\\..\\..\\secret.txt',
      'app://lumen/%00index.html',
      'app://lumen/index.html%00.js',
    ]) {
      expect([400, 404], url).toContain(status(url));
      expect(resolveAppRequest(url, dist).ok, url).toBe(false);
    }
    // The URL parser itself removes plain dot segments: what is left must still be inside.
    expect(status('app://lumen/../secret.txt')).toBe(404);
    expect(status('app://lumen/../../renderer/secret.txt')).toBe(404);
  });

  it('refuses absolute paths, drive letters and other hosts or schemes', () => {
    expect(status(`app://lumen/${encodeURIComponent(path.join(root, 'renderer', 'secret.txt'))}`)).toBe(400);
    expect(status(`app://lumen/${path.join(root, 'renderer', 'secret.txt')}`)).toBe(400); // app://lumen//tmp/…: an empty segment
    expect(status('app://lumen//etc/passwd')).toBe(400);
    expect(status('app://lumen/C:/Windows/win.ini')).toBe(400);
    expect(status('app://lumen/c%3A%5CWindows%5Cwin.ini')).toBe(400);
    expect(status('app://evil/index.html')).toBe(400);
    expect(status('file:///etc/passwd')).toBe(400);
    expect(status('http://lumen/index.html')).toBe(400);
    expect(status('not a url')).toBe(400);
    expect(status('app://lumen/%E0%A4%A')).toBe(400);
  });

  it('refuses folders, missing files, links out of the folder and other methods', () => {
    expect(status('app://lumen/assets')).toBe(404);
    expect(status('app://lumen/assets/')).toBe(404);
    expect(status('app://lumen/missing.js')).toBe(404);
    expect(status('app://lumen/assets/link.txt')).toBe(404);
    expect(status('app://lumen/index.html', 'POST')).toBe(405);
    expect(resolveAppRequest('app://lumen/index.html', path.join(root, 'no-build'))).toMatchObject({ ok: false, status: 404 });
  });
});

describe("the page's Content-Security-Policy header", () => {
  const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));

  it('is sent with every response and agrees with the meta tag, narrower only where it must be', () => {
    expect(appHeaders('text/html')['content-security-policy']).toBe(APP_CSP);
    const html = readFileSync(path.resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBeTruthy();
    const header = directives(APP_CSP);
    for (const [name, values] of directives(meta!)) {
      // The bridge's WebSocket is the only thing the desktop app does not need.
      if (name === 'connect-src') expect(header.get(name)).toEqual(values.filter((v) => !v.startsWith('ws:')));
      else expect(header.get(name), name).toEqual(values);
    }
    expect(header.get('frame-ancestors')).toEqual(["'none'"]);
    expect(APP_CSP).not.toMatch(/\s'unsafe-eval'|\*/);
  });
});
