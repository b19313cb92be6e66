// The browser bridge (lumen serve) probed the way a hostile page or local process would, beyond
// test/serve/bridge.test.ts: the opaque "null" Origin of a sandboxed frame or file:// page, Host
// names that resolve to loopback but are not ours (a trailing dot, IPv6, a DNS-rebound name with
// our port), a second token parameter, a token that only starts right, and another socket path.
// Each must be refused, and a refused probe must leave the bridge answering.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { bridgeReply, openSocket } from '../support/bridge-socket';

describe('the browser bridge under probing', () => {
  let host: EngineHost;
  let bridge: Bridge;
  let dataDir: string;
  const lines: string[] = [];
  const rpc = (query: string) => `ws://127.0.0.1:${bridge.port}/rpc${query}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-bridge-probe-'));
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist'), log: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await bridge.close();
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses the opaque "null" Origin and Origins that only look like ours', async () => {
    for (const origin of ['null', `http://127.0.0.1:${bridge.port}.evil.example`, `http://127.0.0.1:${bridge.port + 1}`, `https://127.0.0.1:${bridge.port}`, `http://localhost.:${bridge.port}`]) {
      await expect(openSocket(rpc(`?token=${bridge.token}`), { origin }), origin).rejects.toThrow(/401/);
    }
  });

  it('refuses Host names that reach loopback but are not ours', async () => {
    for (const name of [`localhost.:${bridge.port}`, `[::1]:${bridge.port}`, `rebound.example:${bridge.port}`, '127.0.0.1', `127.0.0.1:${bridge.port}@evil.example`]) {
      await expect(openSocket(rpc(`?token=${bridge.token}`), { host: name }), name).rejects.toThrow(/401/);
    }
  });

  it('refuses a wrong first token beside the right one, a prefix or other case of the token, and another path', async () => {
    await expect(openSocket(rpc(`?token=wrong&token=${bridge.token}`))).rejects.toThrow(/401/);
    await expect(openSocket(rpc(`?token=${bridge.token.slice(0, -1)}`))).rejects.toThrow(/401/);
    await expect(openSocket(rpc(`?token=${bridge.token}x`))).rejects.toThrow(/401/);
    const flipped = bridge.token.replace(/[a-z]/, (c) => c.toUpperCase());
    if (flipped !== bridge.token) await expect(openSocket(rpc(`?token=${flipped}`))).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc/?token=${bridge.token}`)).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/RPC?token=${bridge.token}`)).rejects.toThrow(/401/);
  });

  it('logs no token and answers the real page after every refusal', async () => {
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.includes(bridge.token))).toBe(false);
    const ws = await openSocket(rpc(`?token=${bridge.token}`), { origin: `http://127.0.0.1:${bridge.port}` });
    expect(await bridgeReply(ws, JSON.stringify({ id: 1, method: 'engine.ping', input: { echo: 'still here' } }), 1)).toMatchObject({ ok: true, value: { echo: 'still here' } });
    ws.close();
  });
});
