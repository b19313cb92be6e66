// dcmtk's dcmqrscp as a strict DIMSE PACS for the tests (AE title QRSCP, any calling AE title,
// its archive in `db`): a configuration file written beside it, started, and resolved once its
// port takes connections. Orthanc sends C-GET's instances on any accepted context; dcmqrscp
// only on one proposed with the SCP role, and it can refuse C-GET altogether (--disable-get).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface DcmqrscpOptions {
  /** Where the configuration file is written. */
  scratch: string;
  /** The archive folder (dcmqridx-indexed, or filled by storescu once started). */
  db: string;
  port: number;
  /** HostTable entries, e.g. a move destination `lumen = (LUMEN, 127.0.0.1, 11112)`. */
  hosts?: string[];
  /** More command-line options, e.g. --disable-get. */
  args?: string[];
}

/** Starts dcmqrscp; the caller kills it (SIGTERM) after its tests. */
export async function startDcmqrscp({ scratch, db, port, hosts = [], args = [] }: DcmqrscpOptions): Promise<ChildProcess> {
  const config = path.join(scratch, 'dcmqrscp.cfg');
  fs.writeFileSync(
    config,
    [
      `NetworkTCPPort = ${port}`,
      'MaxPDUSize = 16384',
      'MaxAssociations = 16',
      'HostTable BEGIN',
      ...hosts,
      'HostTable END',
      'VendorTable BEGIN',
      'VendorTable END',
      'AETable BEGIN',
      `QRSCP ${db} RW (100, 64mb) ANY`,
      'AETable END',
      '',
    ].join('\n'),
  );
  const qr = spawn('dcmqrscp', [...args, '-c', config, String(port)], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return qr;
    if (qr.exitCode !== null || Date.now() > deadline) {
      qr.kill('SIGTERM');
      throw new Error(`dcmqrscp did not start (exit code ${qr.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
