/**
 * The C-STORE receiver (`lumen pacs listen`): a DICOM storage SCP (dcmjs-dimse)
 * that files what a modality or the archive sends into the library, as a
 * retrieve does. Associations from calling AE titles not allowed are refused
 * (A-ASSOCIATE-RJ, calling AE title not recognised); C-ECHO is answered.
 */
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { countOf } from '../../common/counts';
import { filesCount } from '../../common/retrieve-summary';
import { errorMessage } from '../../common/errors';
import { FileReadError, readRegularFile } from '../../common/node/read-file';
import { describeFsError } from '../dicom/fs-errors';
import type { Library } from '../library/library';
import { type PacsHint, PacsError } from './errors';
import { p10File } from './p10';
import { MAX_IDENTIFIER_BYTES, guardIdentifierSize } from './message-bounds';
import { InstanceFiler, fileLeftovers, leftoversLine, partialsLine, removeStalePartials } from './filer';
import { MORE_STORAGE_CLASSES } from './storage-classes';
import { type Dimse, loadDimse } from './dimse-module';
import { MAX_PDU_BYTES, RECEIVE_LIMITS, type ReceiveLimits, boundStoreStreams, guardPduLength, receivedFile, refusedDataSet } from './receive-bounds';

/** dcmjs-dimse's storage classes and the further ones Lumen takes (storage-classes.ts), and the transfer syntaxes it accepts. */
function acceptedByReceiver({ StorageClass, TransferSyntax }: Dimse['constants']): { storageClasses: Set<string>; syntaxes: string[] } {
  return {
    storageClasses: new Set<string>([...Object.values(StorageClass as Record<string, string>), ...MORE_STORAGE_CLASSES]),
    // Uncompressed syntaxes first: what every sender can give; compressed ones are kept as sent.
    syntaxes: [
      TransferSyntax.ExplicitVRLittleEndian,
      TransferSyntax.ImplicitVRLittleEndian,
      TransferSyntax.DeflatedExplicitVRLittleEndian,
      TransferSyntax.RleLossless,
      TransferSyntax.JpegBaseline,
      TransferSyntax.JpegLossless,
      TransferSyntax.JpegLsLossless,
      TransferSyntax.Jpeg2000Lossless,
      TransferSyntax.Jpeg2000Lossy,
    ].filter((s): s is string => typeof s === 'string'),
  };
}

/**
 * DICOM TLS on the receiving side (PS3.15 B.1): the receiver's certificate and key, and,
 * when given, the CA file a sender's client certificate must be signed by (senders without
 * one are refused). Absolute paths; the files are read when the receiver starts.
 */
export interface ReceiverTls {
  cert: string;
  key: string;
  ca?: string;
}

/** How long a sender may take to finish the TLS handshake. */
const HANDSHAKE_MS = 30_000;

/** Why a TLS handshake with a sender failed, in words of ours (Node's TLS layer gives only its text). */
function handshakeProblem(text: string): string {
  if (/wrong version number|http request|unknown protocol|packet length too long|unsupported protocol|record layer failure/i.test(text)) {
    return 'it did not start a TLS handshake (a plain DICOM association to this DICOM TLS port?)';
  }
  if (/peer did not return a certificate|certificate required/i.test(text)) return 'it sent no client certificate, and this receiver requires one signed by its CA file';
  if (/unknown ca|certificate verify failed|unable to (get|verify)|self[- ]signed|bad certificate|certificate (has expired|is not yet valid|signature failure)/i.test(text)) {
    return "its client certificate is not signed by the receiver's CA file (or has expired)";
  }
  if (/timed? ?out|ECONNRESET|socket hang up/i.test(text)) return 'it did not finish the TLS handshake';
  return 'the TLS handshake failed';
}

/** The receiver's TLS files, read now (regular files, bounded): a missing or unreadable one stops the start with its name. */
function tlsServerOptions(tls: ReceiverTls) {
  const read = (file: string, what: string) => {
    try {
      return readRegularFile(file, 'tls');
    } catch (err) {
      const why = err instanceof FileReadError ? err.reason : `cannot be read: ${describeFsError(err)}.`;
      throw new PacsError(`the receiver's ${what} (${file}) ${why}`);
    }
  };
  return {
    cert: read(tls.cert, 'TLS certificate file'),
    key: read(tls.key, 'TLS key file'),
    // With a CA file a client certificate is asked for and checked per connection (accept() below):
    // Node's own refusal ends the socket without saying why, and the log should say.
    ...(tls.ca ? { ca: read(tls.ca, 'TLS CA certificate file'), requestCert: true, rejectUnauthorized: false } : { requestCert: false }),
    minVersion: 'TLSv1.2' as const,
    handshakeTimeout: HANDSHAKE_MS,
  };
}

export interface ListenOptions {
  aet: string;
  port: number;
  /** The address to listen on: '0.0.0.0' (every IPv4 interface, for modalities on the network) or one interface, e.g. '127.0.0.1'. */
  host: string;
  /** Calling AE titles allowed to send; every other is refused. */
  allowed: ReadonlySet<string>;
  /**
   * What happened, one line each, for the terminal: AE titles and counts, never patient data; `hint`:
   * what the user may change (worded by the CLI or the app). An association's line counts images as
   * the app does (common/counts.ts), failed instances in files: 'received 4 images (2 files) from
   * "MODALITY", 1 file failed.'
   */
  onEvent?: (line: string, hint?: PacsHint) => void;
  /** The filer to use (a C-MOVE's, which checks the study asked for); by default one that files any study. */
  filer?: InstanceFiler;
  /** After each C-STORE: whether the instance was filed (a C-MOVE's progress). */
  onInstance?: (filed: boolean) => void;
  /** DICOM TLS: every connection must be TLS; absent, plain TCP. */
  tls?: ReceiverTls;
  /** What one instance, and all being received at once, may hold in memory (receive-bounds.ts); RECEIVE_LIMITS unless a test asks for less. */
  limits?: ReceiveLimits;
}

export interface Receiver {
  readonly port: number;
  /** Instances filed (and the images, frames, they hold) and refused so far. */
  counts(): { received: number; receivedImages: number; receivedResults: number; failed: number; refusedAssociations: number };
  close(): Promise<void>;
}

/** How an association that was not released ended, for its line ("received 2 images from "X", then ..."). */
const ENDINGS = {
  aborted: 'it aborted the association',
  closed: 'the connection closed without a release',
  timeout: 'the association timed out (nothing came for 30 s)',
  error: 'the connection was lost',
  stopped: 'the receiver stopped',
} as const;

export async function startReceiver(library: Library, options: ListenOptions): Promise<Receiver> {
  const { Scp, responses, constants } = await loadDimse();
  const { Status, PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass } = constants;
  const { storageClasses: STORAGE_CLASSES, syntaxes: ACCEPTED_SYNTAXES } = acceptedByReceiver(constants);
  const filer = options.filer ?? new InstanceFiler(library);
  let refusedAssociations = 0;
  const say = options.onEvent ?? (() => {});
  /** Associations' ends being filed and said (close() waits for them); set once close() began. */
  const endings = new Set<Promise<void>>();
  let stopping = false;

  class LumenStoreScp extends Scp {
    private calling = '';
    /** This association's instances written for the library (filed once the filer's import takes them), and those that failed. */
    private stored = new Set<string>();
    private failed = 0;
    /** Whether the association was accepted, and whether it was only C-ECHO so far. */
    private accepted = false;
    private echoed = false;
    /** The C-STOREs still being filed: the association's line waits for them. */
    private filing = new Set<Promise<void>>();
    /** Set once the association's end is said: release, A-ABORT, or the connection closed or lost. */
    private ended = false;
    /** Why the connection was lost (dcmjs-dimse's networkError: a timeout, a reset), said at its close. */
    private lost: 'timeout' | 'error' | null = null;

    private readonly connection: Socket;

    constructor(...args: ConstructorParameters<typeof Scp>) {
      super(...args);
      this.connection = args[0] as Socket;
      // Each data set into a bounded sink, not dcmjs-dimse's unbounded memory stream: straight into a
      // temporary file in the library's pacs-incoming/, filed by a rename (InstanceFiler.fileTemp).
      boundStoreStreams(this, options.limits ?? RECEIVE_LIMITS, filer);
    }

    override associationRequested(association: any): void {
      this.calling = String(association.getCallingAeTitle()).trim();
      const called = String(association.getCalledAeTitle()).trim();
      if (called !== options.aet) {
        refusedAssociations++;
        say(`refused an association from "${this.calling}": it called "${called}", this receiver is "${options.aet}".`);
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      if (!options.allowed.has(this.calling)) {
        refusedAssociations++;
        say(`refused an association from "${this.calling}": not an allowed calling AE title.`, { code: 'allow-sender', setting: 'allowedSenders', value: this.calling });
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        const abstract = context.getAbstractSyntaxUid();
        if (abstract !== SopClass.Verification && !STORAGE_CLASSES.has(abstract)) {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          continue;
        }
        const offered: string[] = context.getTransferSyntaxUids();
        const chosen = ACCEPTED_SYNTAXES.find((s) => offered.includes(s));
        if (chosen) context.setResult(PresentationContextResult.Accept, chosen);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.accepted = true;
      this.sendAssociationAccept();
    }

    override cEchoRequest(request: any, callback: (response: any) => void): void {
      const response = responses.CEchoResponse.fromRequest(request);
      response.setStatus(Status.Success);
      this.echoed = true;
      callback(response);
    }

    override cStoreRequest(request: any, callback: (response: any) => void): void {
      const task = (async () => {
        let status = Status.Success;
        try {
          const dataSet = request.getDataset();
          if (!dataSet) throw new PacsError('empty C-STORE', 'instance');
          const refused = refusedDataSet(dataSet);
          if (refused !== null) {
            filer.fail(null, `the sender's instance was refused: ${refused}.`);
            say(`refused an instance from "${this.calling}": ${refused} (status 0xA700 sent; nothing of it was kept).`);
            throw new PacsError(refused, 'instance');
          }
          const temp = receivedFile(dataSet);
          // The data set's own SOP Instance UID must be the one its C-STORE command announced (the file's meta header says it).
          const sopInstanceUid = String((temp ? request.getAffectedSopInstanceUid() : dataSet.getElement('SOPInstanceUID')) ?? '');
          const filed = temp
            ? await filer.fileTemp(temp, { sopInstanceUid, seriesInstanceUid: '' })
            : await filer.file(
                p10File({ sopClassUid: String(dataSet.getElement('SOPClassUID') ?? ''), sopInstanceUid, transferSyntaxUid: dataSet.getTransferSyntaxUid() }, dataSet.getDenaturalizedDataset()),
              );
          // Not filed: out of resources when the disk is full or read-only, else the data set cannot be filed.
          if (!filed) status = filer.noRoom ? 0xa700 : 0xa900;
          else this.stored.add(sopInstanceUid);
        } catch {
          status = 0xa700; // out of resources
        }
        if (status !== Status.Success) this.failed++;
        options.onInstance?.(status === Status.Success);
        const response = responses.CStoreResponse.fromRequest(request);
        response.setStatus(status);
        // After an A-ABORT or a dropped connection there is no one to answer (what was filed is still imported).
        try {
          callback(response);
        } catch {
          /* the association is gone */
        }
      })();
      this.filing.add(task);
      void task.finally(() => this.filing.delete(task));
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
      this.end('released');
    }

    /** A-ABORT from the sender (dcmjs-dimse calls this on the PDU): what was answered Success is imported now. */
    override abort(): void {
      this.end('aborted');
      this.connection.destroy();
    }

    /** dcmjs-dimse's networkError (a timeout, a reset, a PDU it cannot read): said when the connection closes. */
    noteLost(err: unknown): void {
      this.lost = /timeout/i.test(errorMessage(err)) ? 'timeout' : 'error';
    }

    /** The connection closed: an association not released nor aborted ends here. */
    closed(): void {
      this.end(this.lost ?? (stopping ? 'stopped' : 'closed'));
    }

    /**
     * However the association ends, once: the instances answered Success are imported (the filer's
     * flush) and counted, and one line says what arrived and how it ended. Nothing for a refused
     * association (its refusal was said), an association that sent nothing, or only C-ECHO.
     */
    private end(how: keyof typeof ENDINGS | 'released'): void {
      if (this.ended || !this.accepted) return;
      this.ended = true;
      const stored = this.stored;
      const filing = [...this.filing];
      const ending = how === 'released' ? '' : `, then ${ENDINGS[how]}`;
      const said = Promise.allSettled(filing)
        .then(() => filer.flush())
        .then(
          () => {
            const failed = this.failed;
            if (stored.size === 0 && failed === 0) {
              if (how !== 'released') say(`"${this.calling}" sent nothing${ending}.`);
              else if (this.echoed) say(`answered a C-ECHO from "${this.calling}".`);
              return;
            }
            // What the library took (its importer may still refuse a written file): counted as the study list counts it.
            // Result documents (SR, Parametric Map) are filed too, and said apart: they hold no image.
            // An instance refused by the import is not filed, even where the library holds another image or document of its SOP Instance UID (T-6).
            const refused = filer.takeRefused(stored);
            const results = new Set([...library.presentResults([...stored])].filter((uid) => !refused.has(uid)));
            const filed = new Set([...[...library.presentInstances([...stored])].filter((uid) => !refused.has(uid)), ...results]);
            const notFiled = failed + stored.size - filed.size;
            say(`received ${filesCount(library.imagesOf(filed), filed.size, results.size)} from "${this.calling}"${notFiled ? `, ${countOf(notFiled, 'file')} failed` : ''}${ending}.`);
          },
          (err: unknown) => say(`could not file what "${this.calling}" sent: ${errorMessage(err)}`),
        );
      endings.add(said);
      void said.finally(() => endings.delete(said));
    }
  }

  // Lumen owns the listening socket (dcmjs-dimse's Server binds every interface, with no
  // choice of address) and hands each connection to an SCP, as that Server does; with TLS,
  // each connection once its handshake is done (dcmjs-dimse's Server does the same with
  // node:tls, and its SCP reads a TLS socket as it reads a plain one).
  const sockets = new Set<Socket>();
  const accept = (socket: Socket) => {
    const secure = socket as TLSSocket;
    if (options.tls?.ca && !secure.authorized) {
      refusedAssociations++;
      const sentNone = Object.keys(secure.getPeerCertificate?.() ?? {}).length === 0;
      say(`refused a connection from ${socket.remoteAddress ?? 'an unknown address'}: ${handshakeProblem(sentNone ? 'peer did not return a certificate' : 'certificate verify failed')}.`);
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Before the SCP reads anything: a PDU declared past MAX_PDU_BYTES ends the connection unread.
    guardPduLength(socket, (declared) => {
      refusedAssociations++;
      say(`ended the connection from ${socket.remoteAddress ?? 'an unknown address'}: it sent a PDU of ${declared} bytes, more than the ${MAX_PDU_BYTES} Lumen reads.`);
    });
    // A request's data set that is not an instance (a C-FIND identifier...) past MAX_IDENTIFIER_BYTES: the same (message-bounds.ts).
    guardIdentifierSize(socket, (what, declared) => {
      refusedAssociations++;
      say(`ended the connection from ${socket.remoteAddress ?? 'an unknown address'}: it sent ${what === 'identifier' ? 'a data set other than an instance' : 'a command'} of ${declared} bytes or more, past the ${MAX_IDENTIFIER_BYTES} Lumen reads.`);
    });
    const scp = new LumenStoreScp(socket, { associationTimeout: 30_000, pduTimeout: 30_000 });
    scp.on('networkError', (err: unknown) => {
      scp.noteLost(err);
      socket.destroy();
    });
    socket.on('close', () => scp.closed());
  };
  const server = options.tls ? createTlsServer(tlsServerOptions(options.tls), accept) : createServer(accept);
  if (options.tls) {
    const tlsServer = server as ReturnType<typeof createTlsServer>;
    // Before the handshake ends the socket is not an SCP's: it is tracked here so close() ends it too.
    tlsServer.on('connection', (raw: Socket) => {
      sockets.add(raw);
      raw.on('close', () => sockets.delete(raw));
    });
    tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      refusedAssociations++;
      say(`refused a connection from ${socket.remoteAddress ?? 'an unknown address'}: ${handshakeProblem(String(err?.message ?? err))}.`);
      socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: unknown) => {
      const code = (e as { code?: string })?.code;
      reject(
        code === 'EADDRINUSE'
          ? new PacsError(`port ${options.port} is in use.`, 'connection', { code: 'port-in-use', setting: 'receiverPort' })
          : code === 'EACCES'
            ? new PacsError(`port ${options.port} needs administrator rights.`, 'connection', { code: 'port-privileged', setting: 'receiverPort' })
            : code === 'EADDRNOTAVAIL'
              ? new PacsError(`${options.host} is not an address of this computer.`, 'connection', { code: 'host-not-local', setting: 'receiverHost' })
              : new PacsError(`cannot listen on ${options.host} port ${options.port}.`),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });

  // What an earlier receiver answered Success for but did not import before Lumen stopped (killed,
  // a crash): filed now, beside the associations (the library imports one batch at a time), and said.
  // Not for a C-MOVE's receiver (options.filer): its retrieve files them when it starts.
  // Of the temporary files in pacs-incoming/, those a stopped receiver or retrieve left are removed first (a live one's stay).
  if (!options.filer) {
    const removed = partialsLine(removeStalePartials(library.dir));
    if (removed) say(removed);
  }
  const leftovers = options.filer
    ? Promise.resolve()
    : fileLeftovers(library).then(
        (report) => {
          const line = leftoversLine(report);
          if (line) say(line);
        },
        (err: unknown) => say(`could not file the instances received before Lumen stopped: ${errorMessage(err)}`),
      );
  return {
    port: options.port,
    counts: () => ({ received: filer.received, receivedImages: filer.receivedImages, receivedResults: filer.receivedResults, failed: filer.failed, refusedAssociations }),
    async close() {
      stopping = true;
      server.close();
      // Each open association ends here: what it delivered is filed and said before the totals.
      const closing = [...sockets].map((socket) => new Promise<void>((resolve) => (socket.destroyed && socket.closed ? resolve() : socket.once('close', () => resolve()))));
      for (const socket of sockets) socket.destroy();
      await Promise.all(closing);
      await Promise.allSettled([...endings, leftovers]);
      // What the last batch could not import is counted as failed, with why (InstanceFiler.importQueued).
      await filer.flush().catch(() => undefined);
    },
  };
}
