// Drawing measurements on a busy machine, in Debian's Chromium against the real engine:
// - a drag whose pointer events all come before React draws any of them (here: dispatched in one
//   task, as a loaded machine delivers a fast drag) still keeps every measurement, ending where
//   the pointer was let go;
// - a measurement drawn while the library's list of the series is still on its way (its reply
//   held back here) stays shown when the list comes, and is kept in the library once.
// Both lost measurements before (the first was CI's failure of measurement-tools.test.ts).
import path from 'node:path';
import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { importOneCtSlice } from './one-ct-slice';

const UID = '1.2.826.0.1.3680043.10.99.92';

/** One drag on the viewport (offsets from its centre, CSS px), every event dispatched in the same task. */
async function dragInOneTask(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.getByTestId('viewport').evaluate(
    (element, [from, to]) => {
      // The page's DOM, typed here (the tests compile without the DOM library).
      const canvas = element as unknown as { getBoundingClientRect(): { left: number; top: number; width: number; height: number }; dispatchEvent(e: unknown): boolean };
      const { PointerEvent } = globalThis as unknown as { PointerEvent: new (type: string, init: object) => unknown };
      const r = canvas.getBoundingClientRect();
      const at = (p: number[]) => ({ clientX: r.left + r.width / 2 + p[0], clientY: r.top + r.height / 2 + p[1] });
      const fire = (type: string, p: number[], buttons: number) =>
        canvas.dispatchEvent(new PointerEvent(type, { ...at(p), bubbles: true, cancelable: true, composed: true, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: type === 'pointermove' ? -1 : 0, buttons }));
      fire('pointerdown', from, 1);
      for (let k = 1; k <= 5; k++) fire('pointermove', [from[0] + ((to[0] - from[0]) * k) / 5, from[1] + ((to[1] - from[1]) * k) / 5], 1);
      fire('pointerup', to, 0);
    },
    [from, to] as const,
  );
}

/** The rows of the measurements list. */
const rows = (page: Page) => page.getByTestId('measurements').locator('.measure-pick');

describe('measurements drawn on a busy machine', () => {
  const session = useUiSession('lumen-measure-races', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
  });

  it('a drag delivered before React draws keeps every measurement, ended where the pointer was let go', async () => {
    const { host } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor();
    await viewerReady(page);
    const canvas = page.getByTestId('viewport');
    const key = async (k: string) => {
      await canvas.focus();
      await page.keyboard.press(k);
    };
    await key('l');
    await dragInOneTask(page, [-150, -150], [-40, -150]);
    await key('b');
    await dragInOneTask(page, [-150, -110], [-40, -20]);
    await key('e');
    await dragInOneTask(page, [20, 20], [160, 120]);
    await key('n');
    await dragInOneTask(page, [-160, 120], [-60, 160]);
    await dragInOneTask(page, [-60, 160], [10, 100]);
    await key('v');
    await dragInOneTask(page, [5, -70], [5, -70]);

    await expect.poll(async () => (await rows(page).allTextContents()).map((t) => t.split(':')[0]), { timeout: 20_000 }).toEqual(['Length 1', 'Rectangle 1', 'Ellipse 1', 'Angle 1', 'Probe 1']);
    await canvas.screenshot({ path: path.join(resultsDir(), 'measurement-races.png') });

    // Shown at once, saved one after another.
    const kept = async () => {
      const reply = await host.request('measurements.list', { seriesInstanceUid: `${UID}.2` });
      return (reply.ok ? reply.value : []) as Measurement[];
    };
    // Saved one after another, each a round trip to the engine: on a loaded machine (CI running
    // beside it) the five took longer than the poll's default 5 s, as the list above may.
    await expect.poll(async () => (await kept()).map((m) => m.kind), { timeout: 20_000 }).toEqual(['length', 'rectangle', 'ellipse', 'angle', 'probe']);
    // Each drag's last point is where it was let go: the same screen offsets, so the same image
    // scale on both axes of the length (110 px across, none down) and the rectangle's width.
    const [length, rect] = await kept();
    const scale = (length.points[1][0] - length.points[0][0]) / 110;
    expect(scale).toBeGreaterThan(0);
    expect(length.points[1][1]).toBeCloseTo(length.points[0][1], 5);
    expect(rect.points[1][0] - rect.points[0][0]).toBeCloseTo(110 * scale, 5);
    expect(rect.points[1][1] - rect.points[0][1]).toBeCloseTo(90 * scale, 5);
    expect(errors).toEqual([]);
  });

  it('a measurement drawn before the series list arrives stays shown and is kept once', async () => {
    const { host } = session();
    const kinds = async () => {
      const reply = await host.request('measurements.list', { seriesInstanceUid: `${UID}.2` });
      return (reply.ok ? (reply.value as Measurement[]) : []).map((m) => m.kind);
    };
    // What the first test kept: the list shows it with the new rectangle after it.
    const before = await kinds();
    const page = await session().browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Every measurements.list reply is held until `release` is called.
    const listIds = new Set<number>();
    const held: string[] = [];
    let client: WebSocketRoute | null = null;
    let releaseAll = false;
    let sawHeld: () => void = () => {};
    const heldOne = new Promise<void>((resolve) => (sawHeld = resolve));
    await page.routeWebSocket(/\/rpc/, (ws) => {
      client = ws;
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (typeof m === 'string') {
          const msg = JSON.parse(m) as { id: number; method: string };
          if (msg.method === 'measurements.list') listIds.add(msg.id);
        }
        server.send(m);
      });
      server.onMessage((m) => {
        if (!releaseAll && typeof m === 'string' && listIds.has((JSON.parse(m) as { id?: number }).id ?? -1)) {
          held.push(m);
          sawHeld();
          return;
        }
        ws.send(m);
      });
    });
    await page.goto(session().bridge.url);
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor();
    await heldOne;
    await viewerReady(page);

    const canvas = page.getByTestId('viewport');
    const b = (await canvas.boundingBox())!;
    await canvas.focus();
    await page.keyboard.press('b');
    await page.mouse.move(b.x + b.width / 2 - 100, b.y + b.height / 2 - 80);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2 + 60, b.y + b.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    // Shown at once: the library's list has not come yet.
    await expect.poll(async () => (await rows(page).allTextContents()).length).toBe(1);

    // The list arrives (empty: the rectangle's save waits behind it), then the save goes out.
    releaseAll = true;
    for (const m of held.splice(0)) client!.send(m);
    await expect.poll(kinds, { timeout: 20_000 }).toEqual([...before, 'rectangle']);
    // The renderer took the list in before it sent the save; two frames later its list is drawn.
    await page.evaluate(() => {
      const win = globalThis as unknown as { requestAnimationFrame(callback: () => void): void };
      return new Promise<void>((r) => win.requestAnimationFrame(() => win.requestAnimationFrame(r)));
    });
    const shown = (await rows(page).allTextContents()).map((t) => t.split(' ')[0].replace(/:$/, '').toLowerCase());
    expect(shown).toEqual([...before, 'rectangle']);
    expect(errors).toEqual([]);
  });
});
