// Every request the page can send, sent with hostile values through the real browser bridge
// and the real engine (no mocks). For each field of each request: text with a NUL, a lone
// UTF-16 surrogate, a control character or a bidirectional override, text and lists one over
// their limit, numbers that are negative, huge, NaN or Infinity, values of the wrong type, and
// an unknown extra key in every object. Each must come back as a clear error naming the field,
// with nothing of the patient in it (the hostile values carry a planted name and ID), nothing
// written to the data folder, and the same engine answering afterwards.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { requests, type RequestName } from '../../common/contract';
import { BASES, PATIENT_ID, PATIENT_NAME, PHI, SERIES, SOP, STUDY, unbounded, variants, type Schema, type Variant } from './hostile-requests';
import { validateRequest, type Reply } from '../../common/rpc';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { LIBRARY_WORDS } from '../support/dicom/fuzz';
import { writeImage } from '../support/dicom/write';
import { bridgeMessage, closeBridgeTest, openSocket } from '../support/bridge-socket';

/** The data folder as names and sizes (SQLite's write-ahead log and shared memory aside: reads touch them). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (!/-(wal|shm|journal)$/.test(e.name)) out.push(`${path.relative(dir, p)} ${statSync(p).size}`);
    }
  };
  visit(dir);
  return out.sort();
}

describe('every request under hostile input, through the real bridge and engine', () => {
  let dataDir: string;
  let host: EngineHost;
  let bridge: Bridge;
  let ws: WebSocket;
  const logs: string[] = [];
  const events: string[] = [];
  const waiting = new Map<string | number | null, (reply: Reply) => void>();
  let nextId = 1;

  /** One message as it goes over the socket (any text, any bytes); resolves with the reply to `id`. */
  const sendRaw = (data: string | Buffer, id: string | number | null) =>
    new Promise<Reply>((resolve) => {
      waiting.set(id, resolve);
      ws.send(data, { binary: false });
    });
  const viaBridge = (method: string, input: unknown) => {
    const id = nextId++;
    return sendRaw(JSON.stringify({ id, method, input }), id);
  };
  const ask = (v: Pick<Variant, 'method' | 'input' | 'via'>) => (v.via === 'host' || requests[v.method].runsIn === 'main' ? host.request(v.method, v.input, { roots: [] }) : viaBridge(v.method, v.input));

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-fuzz-'));
    // The platform's folder (where settings.set keeps a new data folder) in here, never this machine's.
    process.env.XDG_DATA_HOME = path.join(dataDir, 'platform');
    delete process.env.LUMEN_DATA_DIR;
    const incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeImage(path.join(incoming, 'one.dcm'), {
      rows: 16,
      columns: 16,
      bitsAllocated: 16,
      pixelBytes: new Uint8Array(16 * 16 * 2),
      extra: {
        0x00080018: { vr: 'UI', value: SOP },
        0x0020000d: { vr: 'UI', value: STUDY },
        0x0020000e: { vr: 'UI', value: SERIES },
        0x00100010: { vr: 'PN', value: PATIENT_NAME },
        0x00100020: { vr: 'LO', value: PATIENT_ID },
      },
    });
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu', log: (l) => logs.push(l) });
    host.onEvent((event, payload) => {
      events.push(event);
      if (event === 'engine.error') logs.push(`engine.error ${JSON.stringify(payload)}`);
    });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist'), log: (l) => logs.push(l) });
    ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
    ws.on('message', (data, isBinary) => {
      const msg = bridgeMessage(data, isBinary);
      if ('reply' in msg) {
        waiting.get(msg.id)?.(msg.reply);
        waiting.delete(msg.id);
      }
    });
    const finished = new Promise<void>((resolve) => host.onEvent((event) => event.startsWith('job.') && event !== 'job.progress' && resolve()));
    const started = await viaBridge('library.import', { paths: [incoming] });
    if (!started.ok) throw new Error(started.error.message);
    await finished;
  }, 120_000);

  afterAll(() => closeBridgeTest({ ws, bridge, host }, dataDir));

  it('has a valid input for every request of the contract, and a bound on every text, list and number', () => {
    expect(Object.keys(requests).filter((m) => !(m in BASES))).toEqual([]);
    for (const [method, bases] of Object.entries(BASES)) {
      for (const base of bases) {
        const checked = validateRequest(method, base);
        expect(checked.ok ? 'valid' : checked.error.message, method).toBe('valid');
      }
    }
    const found: string[] = [];
    for (const [method, def] of Object.entries(requests)) {
      const here: string[] = [];
      unbounded(def.input as unknown as Schema, [], here);
      found.push(...here.map((h) => `${method} ${h}`));
    }
    expect(found).toEqual([]);
  });

  it('refuses each hostile variant with an error naming the field, writes nothing, and the engine goes on', async () => {
    const before = snapshot(dataDir);
    const ping = await host.request('engine.ping', { echo: 'before' });
    if (!ping.ok) throw new Error(ping.error.message);
    const pid = (ping.value as { pid: number }).pid;

    const all = Object.entries(BASES).flatMap(([method, bases]) => bases.flatMap((b) => variants(method as RequestName, b)));
    const failures: string[] = [];
    for (const v of all) {
      const reply = await ask(v);
      const where = `${v.method} ${v.field} (${v.what}, via ${v.via})`;
      if (reply.ok) {
        failures.push(`${where}: accepted`);
        continue;
      }
      const { error } = reply;
      if (error.code !== 'invalid_input') failures.push(`${where}: ${error.code}, not invalid_input: ${error.message.slice(0, 200)}`);
      const text = JSON.stringify(error);
      if (PHI.some((re) => re.test(text))) failures.push(`${where}: the error shows the patient's data: ${text.slice(0, 300)}`);
      const issues = error.issues ?? [];
      const named = issues.some((i) => i.path === v.field || (i.path !== '(root)' && v.field.startsWith(i.path + '.')));
      if (!named) failures.push(`${where}: no issue names ${v.field}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ').slice(0, 300)}`);
    }
    expect(all.length).toBeGreaterThan(1000);
    expect(failures).toEqual([]);

    const after = await host.request('engine.ping', { echo: 'after' });
    expect(after).toMatchObject({ ok: true, value: { pid } });
    expect(await viaBridge('engine.ping', { echo: 'after' })).toMatchObject({ ok: true, value: { pid } });
    expect(events.filter((e) => e === 'engine.error')).toEqual([]);
    expect(snapshot(dataDir)).toEqual(before);
    expect(await viaBridge('measurements.list', { seriesInstanceUid: SERIES })).toEqual({ ok: true, value: [] });
    expect(await viaBridge('training.labels.list', {})).toEqual({ ok: true, value: [] });
    expect(await viaBridge('pacs.list', {})).toEqual({ ok: true, value: { connections: [] } });
    const leaked = logs.filter((l) => PHI.some((re) => re.test(l)));
    expect(leaked).toEqual([]);
  }, 600_000);

  it('answers a text frame that is not UTF-8 with a clear error and keeps the socket', async () => {
    // Raw bytes: an invalid lead byte, a truncated sequence, an overlong encoding and a UTF-8-encoded surrogate.
    for (const bytes of [[0xff, 0xfe], [0xe0, 0xa4], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"id":1,"method":"engine.ping","input":{"echo":"'), Buffer.from(bytes), Buffer.from('"}}')]);
      const reply = await sendRaw(body, null);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      if (!reply.ok) expect(reply.error.message).toMatch(/UTF-8/);
    }
    expect(await viaBridge('engine.ping', { echo: 'still open' })).toMatchObject({ ok: true, value: { echo: 'still open' } });
    expect(logs.some((l) => /not UTF-8/.test(l))).toBe(true);
  });

  it('refuses prototype keys as request names and fields, and nothing is polluted', async () => {
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const id = nextId++;
      expect(await sendRaw(`{"id":${id},"method":"${method}","input":{}}`, id)).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const id = nextId++;
      const reply = await sendRaw(`{"id":${id},"method":"engine.ping","input":{"echo":"x","${key}":{"polluted":"yes"}}}`, id);
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      if (!reply.ok) expect(reply.error.issues?.[0].message).toMatch(/a field this request does not take/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await viaBridge('engine.ping', { echo: 'clean' })).toMatchObject({ ok: true, value: { echo: 'clean' } });
  });

  it('answers deeply nested JSON in words, and stays up', async () => {
    for (const depth of [10_000, 400_000]) {
      const id = nextId++;
      // Answered under its id when the JSON parses, under none when it does not: either will do.
      const reply = await new Promise<Reply>((resolve) => {
        waiting.set(null, resolve);
        waiting.set(id, resolve);
        ws.send(`{"id":${id},"method":"engine.ping","input":{"echo":${'['.repeat(depth)}${']'.repeat(depth)}}}`);
      });
      waiting.delete(null);
      waiting.delete(id);
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(reply.error.message).not.toMatch(LIBRARY_WORDS);
    }
    expect(await viaBridge('engine.ping', { echo: 'after nesting' })).toMatchObject({ ok: true });
  });

  it('answers an HTTP request with a body of raw bytes with a clear refusal', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(bridge.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
      const body = Buffer.from([0xff, 0xfe, 0x00, 0xc0, 0xaf, 0x7b]);
      socket.write(`POST /rpc?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.write(body);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 405/);
    expect(answer).toMatch(/Only GET/);
    expect(await viaBridge('engine.ping', { echo: 'still up' })).toMatchObject({ ok: true });
  });

  it('lets the browser move the data folder only into the folders its session may use', async () => {
    const pointer = path.join(dataDir, 'platform', 'lumen', 'settings.json');
    const outside = await viaBridge('settings.set', { change: { dataFolder: path.join(os.tmpdir(), 'lumen-fuzz-elsewhere') } });
    expect(outside).toMatchObject({ ok: false, error: { code: 'handler_failed', message: expect.stringMatching(/^The data folder \S+ is outside the folders this browser session may use/) } });
    expect(existsSync(pointer)).toBe(false);
    const inside = path.join(dataDir, 'next-data');
    expect(await viaBridge('settings.set', { change: { dataFolder: inside } })).toMatchObject({ ok: true, value: { settings: { dataFolder: inside } } });
    expect(JSON.parse(readFileSync(pointer, 'utf8'))).toMatchObject({ dataFolder: inside });
    expect(await viaBridge('settings.set', { change: { dataFolder: null } })).toMatchObject({ ok: true, value: { settings: { dataFolder: null } } });
  });

  it('answers each valid input that names what is not there (package, connection, path, job) in words, jobs included', async () => {
    // Left out: what contacts the network, changes the platform's settings, or builds and times networks for minutes.
    const skip = new Set<string>(['weights.download', 'training.start', 'models.measureLatency', 'models.catalog', 'models.recommend', 'engine.doctor', 'app.info']);
    const ping = await host.request('engine.ping', { echo: 'before' });
    if (!ping.ok) throw new Error(ping.error.message);
    const pid = (ping.value as { pid: number }).pid;
    const jobs = new Map<string, string>();
    const ended = new Map<string, { event: string; message?: string }>();
    const off = host.onEvent((event, payload) => {
      const p = payload as { jobId?: string; message?: string };
      if ((event === 'job.finished' || event === 'job.failed') && p.jobId) ended.set(p.jobId, { event, message: p.message });
    });
    const problems: string[] = [];
    const check = (where: string, text: string) => {
      // Node's own file-system messages ("ENOENT: no such file or directory, scandir ...") count as a library's words.
      if (LIBRARY_WORDS.test(text) || /\bE[A-Z]{3,}\b|\b(scandir|lstat|realpath|open)\s+'/.test(text)) problems.push(`${where}: a library's words: ${text.slice(0, 300)}`);
      if (PHI.some((re) => re.test(text))) problems.push(`${where}: the patient's data: ${text.slice(0, 300)}`);
      if (text.trim().length < 10) problems.push(`${where}: no reason given`);
    };
    for (const [method, bases] of Object.entries(BASES)) {
      if (skip.has(method)) continue;
      for (const base of bases) {
        const reply = await ask({ method: method as RequestName, input: base, via: 'bridge' });
        if (reply.ok) {
          const jobId = (reply.value as { jobId?: unknown } | null)?.jobId;
          if (typeof jobId === 'string') jobs.set(jobId, method);
          continue;
        }
        if (!['handler_failed', 'unavailable'].includes(reply.error.code)) problems.push(`${method}: ${reply.error.code}: ${reply.error.message.slice(0, 200)}`);
        check(method, reply.error.message);
      }
    }
    const deadline = Date.now() + 120_000;
    while ([...jobs.keys()].some((id) => !ended.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    off();
    for (const [id, method] of jobs) {
      const end = ended.get(id);
      if (!end) problems.push(`${method}: its job did not end`);
      else if (end.event === 'job.failed') check(`${method} (job)`, end.message ?? '');
    }
    expect(problems).toEqual([]);
    expect(await viaBridge('engine.ping', { echo: 'after' })).toMatchObject({ ok: true, value: { pid } });
    expect(events.filter((e) => e === 'engine.error')).toEqual([]);
  }, 300_000);
});
