// Viewer frames over the browser bridge: one binary WebSocket message whose bytes are the stored
// values (never base64 in JSON), equal to what the one decode path gives in place, for a CT
// made by dcmtk and an RGB image made by img2dcm; made on the decode pool, so the engine answers
// other requests while a large JPEG 2000 frame (gdcmconv) decodes; malformed frame requests
// answered with errors that say what is wrong.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { unpackBinaryMessage } from '../../common/binary-message';
import { decodeFrame } from '../../electron/dicom/decode';
import { parseDicomFile } from '../../electron/dicom/parse';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { bmp24 } from '../support/bmp';
import { closeBridgeTest, openSocket } from '../support/bridge-socket';
import { writeSlice } from '../library/fixtures';

const ROOT = '1.2.826.0.1.3680043.10.1137.77';
const CT = { study: `${ROOT}.1`, series: `${ROOT}.1.1`, sop: `${ROOT}.1.1.1` };
const RGB = { study: `${ROOT}.2`, series: `${ROOT}.2.1` };
const J2K = { study: `${ROOT}.3`, series: `${ROOT}.3.1`, sop: `${ROOT}.3.1.1` };
/** Large enough that its decode takes far longer than PINGS message round trips. */
const J2K_SIZE = 2048;
/** Pings answered one after another while the large frame decodes. */
const PINGS = 20;

/** A colour gradient: every pixel different. */
function gradientBmp(width: number, height: number): Buffer {
  return bmp24(width, height, (x, y) => [(x * 7) & 255, (y * 5) & 255, (x * 3 + y) & 255]);
}

interface Message {
  id?: unknown;
  reply?: any;
  event?: string;
  payload?: any;
  /** Whether it came as a binary WebSocket message, and its size. */
  binary: boolean;
  bytes: number;
}

/** Every message the socket receives, binary ones unpacked as the page unpacks them (renderer/src/api.ts). */
function collect(ws: WebSocket): Message[] {
  const all: Message[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    const body = isBinary ? unpackBinaryMessage(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer) : JSON.parse(data.toString());
    all.push({ ...(body as object), binary: isBinary, bytes: data.byteLength });
  });
  return all;
}

async function until<T>(find: () => T | undefined, what: string, ms = 240_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error(`waited in vain for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('viewer frames over the bridge', () => {
  let dir: string;
  let dataDir: string;
  let host: EngineHost;
  let bridge: Bridge;
  let ws: WebSocket;
  let messages: Message[];
  let nextId = 1;
  const files = { ct: '', rgb: '', j2k: '' };

  /** Sends a request; resolves with its answer (the whole message, to see how it came). */
  const ask = (method: string, input: unknown): Promise<Message> => {
    const id = nextId++;
    ws.send(JSON.stringify({ id, method, input }));
    return until(() => messages.find((m) => m.id === id), `the answer to ${method}`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-bridge-frames-'));
    const work = path.join(dir, 'work');
    const lib = path.join(dir, 'files');
    mkdirSync(work);
    mkdirSync(lib);
    // A CT slice by dcmtk's dump2dcm: signed 16-bit stored values with a rescale.
    files.ct = path.join(lib, 'ct.dcm');
    writeSlice(files.ct, { patientName: 'Frame^Test', patientId: 'BF1', studyUid: CT.study, seriesUid: CT.series, sopUid: CT.sop, instanceNumber: 1, rows: 96, columns: 80, window: [40, 400] });
    // RGB by img2dcm from a BMP (Secondary Capture, interleaved 8-bit RGB).
    const bmp = path.join(work, 'rgb.bmp');
    writeFileSync(bmp, gradientBmp(61, 37));
    files.rgb = path.join(lib, 'rgb.dcm');
    execFileSync('img2dcm', ['-i', 'BMP', bmp, files.rgb, '-k', 'PatientName=Frame^Rgb', '-k', 'PatientID=BF2', '-k', `StudyInstanceUID=${RGB.study}`, '-k', `SeriesInstanceUID=${RGB.series}`, '-k', 'Modality=XC'], { stdio: 'pipe' });
    // A large JPEG 2000 frame (gdcmconv --j2k) of a noisy CT slice: a slow decode.
    const plain = path.join(work, 'large.dcm');
    writeSlice(plain, { patientName: 'Frame^Large', patientId: 'BF3', studyUid: J2K.study, seriesUid: J2K.series, sopUid: J2K.sop, instanceNumber: 1, rows: J2K_SIZE, columns: J2K_SIZE });
    files.j2k = path.join(lib, 'large-j2k.dcm');
    execFileSync('gdcmconv', ['--j2k', plain, files.j2k], { stdio: 'pipe' });

    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-bridge-frames-data-'));
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist') });
    ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
    messages = collect(ws);
    const started = await ask('library.import', { paths: [lib] });
    expect(started.reply).toMatchObject({ ok: true });
    const jobId = started.reply.value.jobId;
    const end = await until(() => messages.find((m) => (m.event === 'job.finished' || m.event === 'job.failed') && m.payload.jobId === jobId), 'the import');
    expect(end.event).toBe('job.finished');
  }, 300_000);
  afterAll(() => closeBridgeTest({ ws, bridge, host }, dir, dataDir));

  /** The image UIDs of a series, as the viewer asks for them. */
  const images = async (seriesInstanceUid: string): Promise<string[]> => {
    const m = await ask('library.series', { seriesInstanceUid });
    expect(m.reply.ok).toBe(true);
    return m.reply.value.images.map((i: { sopInstanceUid: string }) => i.sopInstanceUid);
  };

  it("sends a CT frame as one binary message of its stored values, equal to the decode path's", async () => {
    const m = await ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 0 });
    expect(m.binary).toBe(true);
    const f = m.reply.value;
    expect(f).toMatchObject({ rows: 96, columns: 80, dtype: 'uint16', samplesPerPixel: 1, slope: 1, intercept: -1024 });
    expect(f.pixels).toBeInstanceOf(Uint8Array);
    expect(f.pixels.byteLength).toBe(96 * 80 * 2);
    // The whole message is the pixels and a small header: no base64 (a third larger) anywhere.
    expect(m.bytes).toBeLessThan(96 * 80 * 2 + 4096);
    const expected = (await decodeFrame(await parseDicomFile(files.ct), 0)).pixels;
    expect(Buffer.from(f.pixels).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
  });

  it("sends an RGB frame (img2dcm) as rows x columns x 3 bytes, equal to the decode path's", async () => {
    const [sop] = await images(RGB.series);
    const m = await ask('viewer.frame', { seriesInstanceUid: RGB.series, sopInstanceUid: sop, frame: 0 });
    expect(m.binary).toBe(true);
    const f = m.reply.value;
    expect(f).toMatchObject({ rows: 37, columns: 61, dtype: 'uint8', samplesPerPixel: 3, photometric: 'RGB' });
    expect(f.pixels.byteLength).toBe(37 * 61 * 3);
    const expected = (await decodeFrame(await parseDicomFile(files.rgb), 0)).pixels;
    expect(Buffer.from(f.pixels).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
    // The top-left pixel of the BMP: red 0, green 0, blue 0; the one to its right red 7, blue 3.
    expect(Array.from(f.pixels.subarray(0, 6))).toEqual([0, 0, 0, 7, 0, 3]);
  });

  it('answers other requests, and another frame, while a large JPEG 2000 frame decodes', async () => {
    // Once first, so that what follows is the decode itself: the codec loaded, the workers started.
    expect((await ask('viewer.frame', { seriesInstanceUid: J2K.series, sopInstanceUid: J2K.sop, frame: 0 })).reply.ok).toBe(true);
    let answered: Message | undefined;
    const slow = ask('viewer.frame', { seriesInstanceUid: J2K.series, sopInstanceUid: J2K.sop, frame: 0 }).then((m) => (answered = m));
    const study = ask('library.series', { seriesInstanceUid: CT.series });
    const frame = ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 0 });
    // Pings one after another, each sent when the last is answered, for as long as the frame is
    // on its way: an engine busy decoding answers none of them until it is done.
    let pings = 0;
    while (!answered && pings < PINGS) {
      expect((await ask('engine.ping', { echo: `ping ${pings}` })).reply.ok).toBe(true);
      if (!answered) pings++;
    }
    const answers = await Promise.all([slow, study, frame]);
    for (const a of answers) expect(a.reply.ok).toBe(true);
    // At least one ping came back while the frame was on its way (how many depends on the machine);
    // the order below is what an engine that decodes on its own thread cannot give.
    expect(pings).toBeGreaterThan(0);
    const order = (m: Message) => messages.indexOf(m);
    // The series and the small frame, asked after the large frame, were answered before it.
    expect(order(answers[1])).toBeLessThan(order(answers[0]));
    expect(order(answers[2])).toBeLessThan(order(answers[0]));
    expect(answers[0].reply.value).toMatchObject({ rows: J2K_SIZE, columns: J2K_SIZE });
    expect(answers[0].reply.value.pixels.byteLength).toBe(J2K_SIZE * J2K_SIZE * 2);
  });

  it('answers malformed frame requests with errors that say what is wrong', async () => {
    const negative = await ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: -1 });
    expect(negative.reply.ok).toBe(false);
    expect(negative.reply.error).toMatchObject({ code: 'invalid_input' });
    expect(negative.reply.error.message).toMatch(/frame/);
    const huge = await ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 99_999 });
    expect(huge.reply.ok).toBe(false);
    // The app's words, frames counted from 1 as the viewer shows them; not the CLI's --frame wording.
    expect(huge.reply.error.message).toBe('This image has 1 frame; frame 100000 does not exist.');
    const tooHuge = await ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 2 ** 40 });
    expect(tooHuge.reply.error).toMatchObject({ code: 'invalid_input' });
    const fraction = await ask('viewer.frame', { seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 0.5 });
    expect(fraction.reply.error).toMatchObject({ code: 'invalid_input' });
    const otherSeries = await ask('viewer.frame', { seriesInstanceUid: RGB.series, sopInstanceUid: CT.sop, frame: 0 });
    expect(otherSeries.reply.ok).toBe(false);
    expect(otherSeries.reply.error.message).toBe(`Series ${RGB.series} has no image ${CT.sop}.`);
    const notUid = await ask('viewer.frame', { seriesInstanceUid: 'Doe^John', sopInstanceUid: CT.sop, frame: 0 });
    expect(notUid.reply.error).toMatchObject({ code: 'invalid_input' });
    // Not quoted back: it could be a patient's name typed in the wrong place.
    expect(notUid.reply.error.message).not.toContain('Doe');
    // The bridge stays up, and errors come as text messages, not binary.
    for (const m of [negative, huge, tooHuge, fraction, otherSeries, notUid]) expect(m.binary).toBe(false);
    expect((await ask('engine.ping', { echo: 'still here' })).reply).toMatchObject({ ok: true, value: { echo: 'still here' } });
  });
});
