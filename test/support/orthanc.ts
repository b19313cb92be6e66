/**
 * A real PACS for the PACS tests: Debian's Orthanc (/usr/sbin/Orthanc, with the
 * DICOMweb plugin) started on free loopback ports with a configuration of its
 * own (temporary storage and index, authentication on, DIMSE and DICOMweb
 * enabled), filled through its REST API, and stopped and removed afterwards.
 * The Debian service is never used.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dicomBytes, imageElements } from './dicom/write';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const STARTUP_LIMIT_MS = 30_000;

export function orthancInstalled(): boolean {
  return fs.existsSync(ORTHANC_BINARY) && fs.existsSync(DICOMWEB_PLUGIN);
}

/** A loopback TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface OrthancOptions {
  /** DICOM peers Orthanc knows (name -> AE title, host, port): who may query, retrieve and receive. */
  modalities?: Record<string, { aet: string; host?: string; port: number; /** Orthanc sends to it (C-MOVE, C-STORE) over DICOM TLS (needs the DicomTls* options in `config`). */ tls?: boolean }>;
  user?: string;
  password?: string;
  /** More Orthanc configuration, over the defaults above (e.g. DicomAlwaysAllowStore, the DICOM TLS options). */
  config?: Record<string, unknown>;
}

export interface Orthanc {
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly aet: string;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The DICOMweb root, http://127.0.0.1:<port>/dicom-web */
  readonly dicomWebUrl: string;
  readonly user: string;
  readonly password: string;
  /** Calls Orthanc's REST API as the test user. */
  rest(method: string, route: string, body?: Uint8Array | string): Promise<Response>;
  /** Stores one DICOM file (POST /instances) and returns Orthanc's instance id. */
  store(bytes: Uint8Array): Promise<string>;
  /** Stops the process and removes its folders. */
  stop(): Promise<void>;
  /** Ends the process but keeps its storage and configuration (SIGKILL: as a crash would). */
  halt(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and storage (after halt, or halting it first) and waits until it answers. */
  restart(): Promise<void>;
  /** What Orthanc printed, for a failing test's message. */
  log(): string;
}

/** Starts Orthanc and waits (bounded) until its REST API answers. */
export async function startOrthanc(options: OrthancOptions = {}): Promise<Orthanc> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const user = options.user ?? 'lumen-test';
  const password = options.password ?? 'not-a-real-secret';
  const aet = 'ORTHANC';
  const modalities = Object.fromEntries(
    Object.entries(options.modalities ?? {}).map(([name, m]) => [name, m.tls ? { AET: m.aet, Host: m.host ?? '127.0.0.1', Port: m.port, UseDicomTls: true } : [m.aet, m.host ?? '127.0.0.1', m.port]]),
  );
  const config = {
    Name: 'LumenTest',
    StorageDirectory: path.join(root, 'storage'),
    IndexDirectory: path.join(root, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aet,
    DicomCheckCalledAet: true,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password },
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    DicomModalities: modalities,
    // Only the peers above may find and get; an unknown calling AE title is refused.
    DicomAlwaysAllowFind: false,
    DicomAlwaysAllowGet: false,
    DicomAlwaysAllowMove: false,
    StableAge: 1,
    ...options.config,
  };
  const configFile = path.join(root, 'orthanc.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  let child: ChildProcess;
  let exited = false;
  let exit: Promise<void>;
  const launch = () => {
    child = spawn(ORTHANC_BINARY, [configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    exited = false;
    exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      exited = true;
    });
  };
  launch();

  const url = `http://127.0.0.1:${httpPort}`;
  const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  const rest = (method: string, route: string, body?: Uint8Array | string) =>
    fetch(url + route, { method, body, headers: { authorization }, signal: AbortSignal.timeout(30_000) });

  /** Ends the process (SIGKILL: as a crash or a pulled cable would), keeping its storage. */
  const halt = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!exited) {
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    }
  };
  const stop = async () => {
    await halt();
    fs.rmSync(root, { recursive: true, force: true });
  };

  /** Waits (bounded) until the REST API answers; stops everything if Orthanc exits or never answers. */
  const ready = async () => {
    const deadline = Date.now() + STARTUP_LIMIT_MS;
    for (;;) {
      if (exited) {
        await stop();
        throw new Error(`Orthanc exited while starting:\n${output}`);
      }
      try {
        const answer = await fetch(url + '/system', { headers: { authorization }, signal: AbortSignal.timeout(2000) });
        if (answer.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`Orthanc did not answer on ${url} within ${STARTUP_LIMIT_MS / 1000} s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await ready();

  return {
    httpPort,
    dicomPort,
    aet,
    url,
    dicomWebUrl: `${url}/dicom-web`,
    user,
    password,
    rest,
    async store(bytes) {
      const answer = await rest('POST', '/instances', bytes);
      if (!answer.ok) throw new Error(`Orthanc refused an instance: HTTP ${answer.status} ${await answer.text()}`);
      return ((await answer.json()) as { ID: string }).ID;
    },
    stop,
    halt: (signal) => halt(signal),
    async restart() {
      await halt();
      launch();
      await ready();
    },
    log: () => output,
  };
}

/** Which of `uids` (SOP Instance UIDs) `orthanc` holds, by its REST API's lookup, in their order. */
export async function heldInstances(orthanc: Orthanc, uids: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const uid of uids) {
    const hits = (await (await orthanc.rest('POST', '/tools/lookup', uid)).json()) as { Type: string }[];
    if (hits.some((h) => h.Type === 'Instance')) found.push(uid);
  }
  return found;
}

export interface GeneratedStudy {
  studyUid: string;
  patientId: string;
  patientName: string;
  accession: string;
  studyDate: string;
  modality: string;
  series: { seriesUid: string; sopUids: string[] }[];
}

/** DICOM files for one small CT-like study: `seriesCount` series of `perSeries` 16×16 images. */
export function generateStudy(spec: { key: number; patientId: string; patientName: string; accession: string; studyDate: string; modality?: string; seriesCount?: number; perSeries?: number }): {
  study: GeneratedStudy;
  files: Buffer[];
} {
  const modality = spec.modality ?? 'CT';
  const studyUid = `1.2.826.0.1.3680043.10.1717.${spec.key}`;
  const files: Buffer[] = [];
  const series: GeneratedStudy['series'] = [];
  for (let s = 1; s <= (spec.seriesCount ?? 1); s++) {
    const seriesUid = `${studyUid}.${s}`;
    const sopUids: string[] = [];
    for (let i = 1; i <= (spec.perSeries ?? 3); i++) {
      const sopUid = `${seriesUid}.${i}`;
      sopUids.push(sopUid);
      const pixels = new Uint8Array(16 * 16 * 2);
      for (let p = 0; p < pixels.length; p += 2) pixels[p] = (p + i * 7) & 0xff;
      const elements = imageElements({
        rows: 16,
        columns: 16,
        bitsAllocated: 16,
        modality,
        pixelBytes: pixels,
        extra: {
          0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
          0x00080018: { vr: 'UI', value: sopUid },
          0x00080020: { vr: 'DA', value: spec.studyDate },
          0x00080050: { vr: 'SH', value: spec.accession },
          0x00081030: { vr: 'LO', value: 'PACS test study' },
          0x00100010: { vr: 'PN', value: spec.patientName },
          0x00100020: { vr: 'LO', value: spec.patientId },
          0x0020000d: { vr: 'UI', value: studyUid },
          0x0020000e: { vr: 'UI', value: seriesUid },
          0x00200011: { vr: 'IS', value: s },
          0x00200013: { vr: 'IS', value: i },
        },
      });
      files.push(dicomBytes(elements));
    }
    series.push({ seriesUid, sopUids });
  }
  return { study: { studyUid, patientId: spec.patientId, patientName: spec.patientName, accession: spec.accession, studyDate: spec.studyDate, modality, series }, files };
}
