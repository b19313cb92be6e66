/**
 * C-MOVE into the library: Lumen's own C-STORE receiver (listen.ts) is started
 * for the transfer on the port the user gives, the PACS is asked to move the
 * study (or series, or only the missing instances) to Lumen's AE title, and
 * what arrives is checked and filed by the retrieve's filer. The PACS must
 * know that AE title with this computer's address and port (in Orthanc:
 * DicomModalities); C-GET needs no such entry, which is why it is the default.
 */
import type { Library } from '../library/library';
import type { DimseConnection } from './connections';
import type { DimseClient, MoveCounts } from './dimse';
import { startReceiver } from './listen';
import type { InstanceRef } from './query';
import type { InstanceFiler, RetrieveTarget } from './filer';

export interface MoveReceiver {
  /** The port Lumen receives on; the PACS's entry for Lumen's AE title must name it. */
  port: number;
  /** The address to listen on ('0.0.0.0': every interface; '127.0.0.1' when the PACS is this computer). */
  host: string;
}

export const DEFAULT_MOVE_PORT = 11112;

/** Moves `target` (or only `instances` of it) from the PACS into `filer`; resolves with the PACS's counts once everything sent is filed. */
export async function moveIntoLibrary(
  client: DimseClient,
  connection: DimseConnection,
  target: RetrieveTarget & { instances?: InstanceRef[] },
  library: Library,
  filer: InstanceFiler,
  receiver: MoveReceiver,
  options: { signal?: AbortSignal; onInstance?: () => void } = {},
): Promise<MoveCounts> {
  // Only the PACS asked may send on this port, and only to Lumen's own AE title; over DICOM TLS
  // when the connection says the PACS sends that way (Lumen's certificate; the PACS's checked against the CA file).
  const tls = connection.tls?.move && connection.tls.cert && connection.tls.key ? { cert: connection.tls.cert, key: connection.tls.key, ...(connection.tls.ca ? { ca: connection.tls.ca } : {}) } : undefined;
  const listening = await startReceiver(library, {
    tls,
    aet: connection.callingAet,
    port: receiver.port,
    host: receiver.host,
    allowed: new Set([connection.calledAet]),
    filer,
    onInstance: () => options.onInstance?.(),
  });
  try {
    return await client.move(target, connection.callingAet, options.signal);
  } finally {
    await listening.close();
  }
}
