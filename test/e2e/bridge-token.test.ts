import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, useUiSession } from '../support/browser';

/** A second web server on this machine, as any other local app would run; it records the headers it is sent. */
async function otherLocalServer(): Promise<{ url: string; seen: http.IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>another local app</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The page reached the engine: its library answered (faster than waiting for the backend probe). */
const connected = (page: Page) => page.getByText('The library is empty').waitFor({ timeout: 60_000 });

describe('the bridge token stays with the bridge', () => {
  const session = useUiSession('lumen-e2e-token');

  it('is neither in a cookie (sent to every port of 127.0.0.1) nor left in the address bar, and a reload still connects', async () => {
    const { bridge, browser } = session();
    const { page, errors } = await openApp(session());
    await connected(page);

    expect(await page.evaluate(() => (globalThis as unknown as { location: { search: string } }).location.search)).not.toContain(bridge.token);
    expect(page.url()).not.toContain(bridge.token);
    const cookies = await browser.context.cookies();
    expect(cookies.filter((c) => c.value.includes(bridge.token))).toEqual([]);

    const other = await otherLocalServer();
    try {
      const visit = await browser.context.newPage();
      await visit.goto(other.url);
      await visit.close();
      expect(other.seen.length).toBeGreaterThan(0);
      for (const headers of other.seen) expect(JSON.stringify(headers)).not.toContain(bridge.token);
    } finally {
      await other.close();
    }

    // The page keeps the token for its own tab (sessionStorage is scoped to this origin, port included).
    await page.reload();
    await connected(page);
    expect(page.url()).not.toContain(bridge.token);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a page opened without the token loads but reaches no engine', async () => {
    const { bridge, browser } = session();
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${bridge.port}/`);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine unavailable' }).waitFor({ timeout: 60_000 });
    await page.close();
  });
});
