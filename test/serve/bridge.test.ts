import { mkdtempSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bridgeReply, closeBridgeTest, openSocket } from '../support/bridge-socket';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';

const call = bridgeReply;

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** One request with an exact request target (http.get would normalise it); resolves with the status code. */
function rawGet(port: number, target: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    const lines = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(lines.join('\r\n') + '\r\n\r\n');
  });
}

/** Resolves with the close code the server sent when it closed the socket. */
function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('the browser bridge', () => {
  let host: EngineHost;
  let bridge: Bridge;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-bridge-'));
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist'), log: (l) => lines.push(l) });
  });
  afterAll(() => closeBridgeTest({ bridge, host }, dataDir));

  it('listens on loopback only', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('serves the built UI (no patient data) to anyone on this machine, and the WebSocket only with the right token', async () => {
    expect(await get(bridge.port, '/')).toBe(200);
    expect(await get(bridge.port, `/?token=${bridge.token}`)).toBe(200);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc`)).rejects.toThrow(/401/);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=wrong`)).rejects.toThrow(/401/);
    // The token is never a cookie: one for 127.0.0.1 would go to every port on this machine.
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc`, { cookie: `lumen_token=${bridge.token}` })).rejects.toThrow(/401/);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (cross-site socket)', async () => {
    expect(await get(bridge.port, `/?token=${bridge.token}`, { host: 'evil.example:80' })).toBe(403);
    await expect(openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
  });

  it('does not serve files outside the renderer', async () => {
    expect(await get(bridge.port, `/..%2F..%2Fpackage.json?token=${bridge.token}`)).toBe(403);
  });

  it('carries the contract and answers malformed messages with errors, staying up', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
    expect(await call(ws, JSON.stringify({ id: 1, method: 'engine.ping', input: { echo: 'x' } }), 1)).toMatchObject({ ok: true, value: { echo: 'x' } });
    expect(await call(ws, '{not json', null)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await call(ws, JSON.stringify({ method: 'engine.ping' }), null)).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await call(ws, JSON.stringify({ id: 2, method: 'engine.ping', input: { echo: 5 } }), 2)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await call(ws, JSON.stringify({ id: 3, method: 'rm.rf', input: {} }), 3)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(await call(ws, JSON.stringify({ id: 4, method: 'dialog.openFolder', input: {} }), 4)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await call(ws, JSON.stringify({ id: 5, method: 'engine.ping', input: { echo: 'alive' } }), 5)).toMatchObject({ ok: true, value: { echo: 'alive' } });
    expect(lines.some((l) => l.includes('bad bridge message'))).toBe(true);
    expect(lines.some((l) => l.includes('rejected bridge request'))).toBe(true);
    ws.close();
  });

  it('pushes job events to the socket', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
    const events: any[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.event) events.push(m);
    });
    const reply = await call(ws, JSON.stringify({ id: 9, method: 'engine.sleepJob', input: { steps: 3, stepMs: 120 } }), 9);
    const jobId = reply.value.jobId;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (events.some((e) => e.event === 'job.finished' && e.payload.jobId === jobId)) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
    expect(events.some((e) => e.event === 'job.progress' && e.payload.jobId === jobId)).toBe(true);
    ws.close();
  });
});

describe('lumen serve under hostile input', () => {
  // The real command in its own process: a throw that nothing catches ends that process
  // (and the engine, and any training with it), which a test in this process would not see.
  let serve: ChildProcess;
  let port: number;
  let token: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-serve-'));
    serve = spawn(process.execPath, [path.resolve('bin/lumen.mjs'), 'serve', '--data-dir', dataDir, '--backend', 'cpu'], { stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stderr!.resume();
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      serve.stdout!.on('data', (d) => {
        out += d.toString();
        const m = /Lumen is serving at (\S+)/.exec(out);
        if (m) resolve(new URL(m[1]));
      });
      serve.once('exit', (code) => reject(new Error(`lumen serve exited (${code}) before serving`)));
    });
    port = Number(url.port);
    token = url.searchParams.get('token')!;
  }, 60_000);
  afterAll(async () => {
    if (serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** After each attack: the process is up, pages load and the engine answers. */
  const stillServes = async () => {
    expect(serve.exitCode).toBeNull();
    expect(await get(port, `/?token=${token}`)).toBe(200);
    const ws = await openSocket(`ws://127.0.0.1:${port}/rpc?token=${token}`);
    expect(await call(ws, JSON.stringify({ id: 1, method: 'engine.ping', input: { echo: 'still here' } }), 1)).toMatchObject({ ok: true });
    ws.close();
  };

  it('a request target that is no URL, without the token (any web page can send one)', async () => {
    expect(await rawGet(port, '//[')).toBe(400);
    await stillServes();
  });

  it('a WebSocket upgrade whose target is no URL', async () => {
    expect(await rawGet(port, '//[', { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' })).toBe(400);
    await stillServes();
  });

  it('a path that does not decode, with the token', async () => {
    expect(await rawGet(port, `/%?token=${token}`)).toBe(400);
    expect(await rawGet(port, `/%E0%A4%A?token=${token}`)).toBe(400);
    await stillServes();
  });

  it('a WebSocket message over the size limit', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${port}/rpc?token=${token}`);
    const closed = closeCode(ws);
    ws.send(JSON.stringify({ id: 1, method: 'engine.ping', input: { echo: 'x'.repeat((1 << 20) + 10) } }));
    expect(await closed).toBe(1009);
    await stillServes();
  });

  it('a text frame that is not UTF-8', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${port}/rpc?token=${token}`);
    // Answered, not closed: the page learns what was wrong (test/security/request-fuzz.test.ts has more).
    const answer = new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()).reply)));
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await answer).toMatchObject({ ok: false, error: { code: 'invalid_message', message: expect.stringMatching(/UTF-8/) } });
    expect(await call(ws, JSON.stringify({ id: 7, method: 'engine.ping', input: { echo: 'same socket' } }), 7)).toMatchObject({ ok: true });
    ws.close();
    await stillServes();
  });
});
