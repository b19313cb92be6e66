/**
 * DIMSE (C-FIND, C-GET) with dcmjs-dimse: a maintained pure-JavaScript DICOM
 * network library for Node (associations, the query/retrieve models, C-GET
 * with its C-STORE sub-operations, an SCP, TLS), so no native binary ships.
 * Every association is bounded by time-outs; every failure becomes a message
 * of ours.
 */
import dcmjs from 'dcmjs';
import type DimseModule from 'dcmjs-dimse';
import type { Socket } from 'node:net';
import { FileReadError, readRegularFile } from '../../common/node/read-file';
import { describeFsError } from '../dicom/fs-errors';
import { readPart10OrBare } from '../results/part10';
import type { DimseConnection } from './connections';
import { isUid } from '../../common/dicom-uid';
import { type Asked, DEFAULT_TIMEOUT_MS, hostNotFound, type PacsHint, PacsCancelledError, PacsError, silentServer, TIMEOUT_HINT } from './errors';
import { p10File } from './p10';
import type { Found, InstanceRef, StudyMatch, StudyQuery } from './query';
import { MAX_MATCHES, cutShort, matchLimit, moreThanShown, queryKeys, raiseCapHint, studyMatch, tooManyMatches } from './query';
import { MAX_IDENTIFIER_BYTES, guardIdentifierSize } from './message-bounds';
import { type SeriesMatch, seriesMatch } from './series';
import type { InstanceOutcome, OutgoingInstance } from './send';
import { storeStatusWords } from './store-status';
import { newCGetClient } from './cget-client';
import { dimseLoaded, loadDimse } from './dimse-module';
import { type IncomingFiles, MAX_PDU_BYTES, RECEIVE_LIMITS, type ReceiveLimits, boundStoreStreams, guardPduLength, receivedFile, refusedDataSet } from './receive-bounds';

// dcmjs-dimse itself is loaded by the first request (dimse-module.ts), not with this module.
const { DicomMetaDictionary } = dcmjs.data;

const PENDING = new Set([0xff00, 0xff01]);
const SUCCESS = 0x0000;
/** The final status of a request the PACS stopped on Lumen's C-CANCEL. */
const CANCEL = 0xfe00;
/**
 * The most pending answers one C-GET or C-MOVE may send: one per sub-operation at most (PS3.4
 * C.4.2.3, C.4.3.3), so past the most instances a listing reads (and a margin) it is a PACS that
 * would otherwise keep the association for ever (each answer restarts the silence watchdog).
 */
export const MAX_PENDING_ANSWERS = MAX_MATCHES.instances + 1_000;
/** After a C-CANCEL, what a PACS may still send before Lumen aborts the association: answers already on their way. */
const CANCEL_GRACE = { answers: 200, ms: 5_000 } as const;
/** C-GET warning: some sub-operations failed; the counts say how many. */
const GET_WARNING = 0xb000;

/** PS3.8 A-ASSOCIATE-RJ reasons (service user) in words, with what the user may change. */
function rejectReason(reason: number, connection: DimseConnection): { text: string; hint?: PacsHint } {
  if (reason === 3) return { text: `it does not know the calling AE title "${connection.callingAet}"; ask its administrator to add it`, hint: { code: 'calling-aet-unknown', setting: 'callingAet', value: connection.callingAet } };
  if (reason === 7) return { text: `it is not called "${connection.calledAet}"; check the AE title in the connection` };
  if (reason === 2) return { text: 'the application context is not supported' };
  return { text: `reason ${reason}` };
}

export interface DimseOptions {
  timeoutMs?: number;
  /** The most answers one C-FIND reads, below the connection's cap (a test's flooding peer need not send 5 000). */
  maxMatches?: number;
  /** The most instances one C-FIND at image level reads, below MAX_MATCHES.instances (a test's study need not hold 200 001). */
  maxInstances?: number;
  /** What C-GET's instances may hold in memory (receive-bounds.ts); RECEIVE_LIMITS unless a test asks for less. */
  limits?: ReceiveLimits;
  /** Where C-GET's instances are written as they arrive (an InstanceFiler); absent, they are gathered in memory. */
  incoming?: IncomingFiles;
  /** The most pending answers one request may send, below MAX_PENDING_ANSWERS (a test's endless peer need not send 201 000). */
  maxPending?: number;
}

/** A C-GET instance written as it arrived into a temporary Part 10 file; its command announced `sopInstanceUid`. */
export interface ReceivedFile {
  temp: string;
  sopInstanceUid: string;
}

type Requests = typeof DimseModule.requests;
type Request = InstanceType<Requests['CFindRequest']> | InstanceType<Requests['CGetRequest']> | InstanceType<Requests['CEchoRequest']>;
type StoreRequest = InstanceType<Requests['CStoreRequest']>;
type MoveRequest = InstanceType<Requests['CMoveRequest']>;
/** What one association may carry: queries and retrieves, and the sends and moves of send.ts and move.ts. */
type AnyRequest = Request | StoreRequest | MoveRequest;

/** C-STORE warnings (PS3.4 B.2.3): the instance is stored. */
const STORE_WARNINGS = new Set([0xb000, 0xb006, 0xb007]);
/** C-MOVE: the PACS does not know the destination AE title. */
const MOVE_DESTINATION_UNKNOWN = 0xa801;

/** Counts a C-MOVE reports as it goes (PS3.4 C.4.2.1.6). */
export interface MoveCounts {
  remaining: number;
  completed: number;
  failed: number;
  warning: number;
}

/** A TLS failure in words of ours, from the text Node's TLS layer gives (dcmjs-dimse passes only the text on). */
function tlsProblem(text: string): { text: string; hint?: PacsHint } | null {
  if (/self[- ]signed|unable to (verify|get)|certificate (has expired|is not yet valid|signature failure|chain)|unknown ca|bad certificate/i.test(text)) {
    return { text: "the server's TLS certificate is not signed by the CA file of the connection (or has expired), or the server did not accept Lumen's certificate" };
  }
  if (/altnames|hostname|does not match/i.test(text)) return { text: "the server's TLS certificate is not for this host name or address" };
  if (/certificate required|handshake failure|alert/i.test(text)) return { text: 'the TLS handshake was refused: the server may require a client certificate', hint: { code: 'client-certificate', setting: 'tlsClientCertificate' } };
  if (/wrong version number|ssl|tls|packet length too long/i.test(text)) return { text: 'the TLS handshake failed: check that this port speaks DICOM TLS', hint: { code: 'tls-only-if-tls', setting: 'tls' } };
  return null;
}

/** The PACS sent a data set (other than an instance) or a command past the bounds of message-bounds.ts: the association was ended. */
class ReplyTooLarge extends PacsError {}

/** The PACS did not accept C-GET at all: a retrieve may go on by C-MOVE. */
export class GetNotSupported extends PacsError {}

export class DimseClient {
  private readonly timeoutMs: number;
  private readonly limits: ReceiveLimits;
  private readonly maxMatches: number;
  private readonly maxInstances: number;
  private readonly incoming: IncomingFiles | undefined;
  private readonly maxPending: number;

  constructor(
    private readonly connection: DimseConnection,
    options: DimseOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.limits = options.limits ?? RECEIVE_LIMITS;
    this.maxMatches = options.maxMatches ?? Infinity;
    this.maxInstances = options.maxInstances ?? Infinity;
    this.incoming = options.incoming;
    this.maxPending = Math.min(options.maxPending ?? MAX_PENDING_ANSWERS, MAX_PENDING_ANSWERS);
  }

  /** C-FIND at study level (Study Root). */
  async findStudies(query: StudyQuery): Promise<Found<StudyMatch>> {
    const { requests } = await loadDimse();
    const keys = { ...queryKeys(query), StudyInstanceUID: '', NumberOfStudyRelatedSeries: '', NumberOfStudyRelatedInstances: '' };
    const request = requests.CFindRequest.createStudyFindRequest(keys);
    return this.find(request, 'query studies', 'studies', (e) => {
      const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
      const name = Array.isArray(e.PatientName) ? (e.PatientName[0] as { Alphabetic?: string })?.Alphabetic : e.PatientName;
      const count = (v: unknown) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
      return studyMatch({
        uid: str(e.StudyInstanceUID),
        patientId: str(e.PatientID),
        patientName: str(name),
        studyDate: str(e.StudyDate),
        description: str(e.StudyDescription),
        accession: str(e.AccessionNumber),
        modalities: (Array.isArray(e.ModalitiesInStudy) ? e.ModalitiesInStudy : str(e.ModalitiesInStudy).split('\\')).filter((m): m is string => typeof m === 'string' && m !== ''),
        series: count(e.NumberOfStudyRelatedSeries),
        instances: count(e.NumberOfStudyRelatedInstances),
      });
    });
  }

  /** C-FIND at series level: the series of one study (the app's PACS tab lists them). */
  async findSeries(studyUid: string, signal?: AbortSignal): Promise<Found<SeriesMatch>> {
    const { requests } = await loadDimse();
    const request = requests.CFindRequest.createSeriesFindRequest({ StudyInstanceUID: studyUid, SeriesInstanceUID: '', Modality: '', SeriesNumber: '', SeriesDescription: '', NumberOfSeriesRelatedInstances: '' });
    return this.find(request, 'list the series of the study', 'series', (e) =>
      seriesMatch({ uid: e.SeriesInstanceUID, modality: e.Modality, number: e.SeriesNumber, description: e.SeriesDescription, instances: e.NumberOfSeriesRelatedInstances }),
      signal,
    );
  }

  /**
   * One C-FIND: each pending answer's data set made a match by `take` (null: not one). After
   * `limit` answers Lumen sends a C-CANCEL (PS3.7 9.3.2.3) and stops reading matches: a peer that
   * never stops would otherwise be read for ever (every answer restarts the silence watchdog) and
   * held in memory; one that honours it ends with status Cancel and the association is released,
   * one that goes on is aborted (`associate`). A match past MAX_IDENTIFIER_BYTES ends the
   * association too (message-bounds.ts). Either way, what came before is kept and said to be
   * incomplete.
   */
  private async find<T>(
    request: any,
    what: string,
    kind: 'studies' | 'series' | 'instances',
    take: (e: Record<string, unknown>) => T | null,
    signal?: AbortSignal,
    asked: Asked = 'request',
  ): Promise<Found<T>> {
    const limit = Math.min(matchLimit(this.connection, kind), this.maxMatches, kind === 'instances' ? this.maxInstances : Infinity);
    const found: T[] = [];
    const enough = new AbortController();
    let answers = 0;
    request.on('response', (response: any) => {
      if (enough.signal.aborted || !PENDING.has(response.getStatus()) || !response.hasDataset()) return;
      if (++answers > limit) {
        enough.abort();
        return;
      }
      const match = take(response.getDataset().getElements() as Record<string, unknown>);
      if (match) found.push(match);
    });
    const name = this.connection.name;
    try {
      await this.associate([request], what, signal, undefined, false, enough.signal, asked);
    } catch (err) {
      if (!(err instanceof ReplyTooLarge) || kind === 'instances') throw err;
      return { matches: found, incomplete: cutShort(name, kind, found.length, `sent a match larger than ${MAX_IDENTIFIER_BYTES / 1024 / 1024} MiB`) };
    }
    if (!enough.signal.aborted) return { matches: found, incomplete: null };
    if (kind === 'instances') throw tooManyMatches(name, what, limit);
    return { matches: found, incomplete: moreThanShown(name, kind, limit), incompleteHint: raiseCapHint(kind, limit) };
  }

  /** C-ECHO: the app's "Test connection" (reachable, association accepted, answering). */
  async echo(): Promise<void> {
    const { requests } = await loadDimse();
    await this.associate([new requests.CEchoRequest()], 'answer a test query (C-ECHO)', undefined, undefined, false, undefined, 'test');
  }

  /**
   * Test connection: a C-ECHO, then a C-FIND for a study nobody has (2.25.0: a UUID-derived UID,
   * all zeros), as a PACS answers C-ECHO from anyone (Orthanc does) and the query shows whether it
   * lets this calling AE title query at all. A failure names the test query, not a listing the
   * user never asked for.
   */
  async probe(): Promise<void> {
    await this.echo();
    const { requests } = dimseLoaded();
    const request = requests.CFindRequest.createSeriesFindRequest({ StudyInstanceUID: '2.25.0', SeriesInstanceUID: '' });
    await this.find(request, 'answer a test query', 'series', () => null, undefined, 'test');
  }

  /** C-FIND at image level: the instances of a study (or one series of it). */
  async findInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]> {
    const { requests } = await loadDimse();
    const request = requests.CFindRequest.createImageFindRequest({ StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid ?? '', SOPInstanceUID: '' });
    const found = await this.find(
      request,
      'list the instances of the study',
      'instances',
      (e): InstanceRef | null => (isUid(e.SOPInstanceUID) && isUid(e.SeriesInstanceUID) ? { sopInstanceUid: e.SOPInstanceUID, seriesInstanceUid: e.SeriesInstanceUID } : null),
      signal,
    );
    return found.matches;
  }

  /**
   * C-GET: the whole study or series when `instances` is absent, else each
   * listed instance, all on one association. Each received instance goes to
   * `store` as a Part 10 file (a temporary file with `incoming`, else its bytes);
   * a store that throws fails that instance only.
   * An instance past the receive bounds (receive-bounds.ts) is answered 0xA700
   * unread and goes to `refused` with why.
   */
  async get(
    target: { studyUid: string; seriesUid?: string; instances?: InstanceRef[] },
    store: (file: Buffer | ReceivedFile) => Promise<void>,
    signal?: AbortSignal,
    refused?: (reason: string) => void,
  ): Promise<{ failedOnServer: number }> {
    const { requests, responses } = await loadDimse();
    const gets = target.instances
      ? target.instances.map((i) => requests.CGetRequest.createImageGetRequest(target.studyUid, i.seriesInstanceUid, i.sopInstanceUid))
      : [target.seriesUid ? requests.CGetRequest.createSeriesGetRequest(target.studyUid, target.seriesUid) : requests.CGetRequest.createStudyGetRequest(target.studyUid)];
    let failedOnServer = 0;
    let answered = 0;
    for (const get of gets) {
      get.on('response', (response: any) => {
        const status = response.getStatus();
        answered++;
        if (!PENDING.has(status)) failedOnServer += response.getFailures?.() ?? 0;
      });
    }
    const stores: Promise<void>[] = [];
    await this.associate(gets, 'retrieve the study', signal, (request, respond) => {
      const done = (async () => {
        let status = SUCCESS;
        try {
          const dataSet = request.getDataset();
          if (!dataSet) throw new PacsError('empty C-STORE');
          const tooLarge = refusedDataSet(dataSet);
          if (tooLarge !== null) {
            refused?.(`PACS "${this.connection.name}" (${this.connection.calledAet}) sent an instance Lumen refused: ${tooLarge}.`);
            throw new PacsError(tooLarge, 'instance');
          }
          const temp = receivedFile(dataSet);
          if (temp !== null) await store({ temp, sopInstanceUid: String(request.getAffectedSopInstanceUid() ?? '') });
          else {
            const meta = {
              sopClassUid: String(dataSet.getElement('SOPClassUID') ?? ''),
              sopInstanceUid: String(dataSet.getElement('SOPInstanceUID') ?? ''),
              transferSyntaxUid: dataSet.getTransferSyntaxUid(),
            };
            await store(p10File(meta, dataSet.getDenaturalizedDataset()));
          }
        } catch {
          // Out of resources (0xA700): the PACS counts it as a failed sub-operation; the filer counted it too.
          status = 0xa700;
        }
        const response = responses.CStoreResponse.fromRequest(request);
        response.setStatus(status);
        respond(response);
      })();
      stores.push(done);
    });
    await Promise.all(stores);
    // dcmjs-dimse skips a request whose presentation context the PACS rejected: no C-GET here.
    if (answered === 0) throw new GetNotSupported(`PACS "${this.connection.name}" does not accept C-GET (the association did not take it).`, 'connection', { code: 'retrieve-by-move', setting: 'retrieveMethod' });
    return { failedOnServer };
  }

  /**
   * C-STORE: each instance on one association, each with its own outcome from
   * its C-STORE response; an instance the PACS did not take the SOP class or
   * transfer syntax of (its presentation context rejected) gets no response.
   */
  async store(batch: OutgoingInstance[], signal?: AbortSignal, gently?: { stop?: AbortSignal; onAnswer?: (sopInstanceUid: string) => void }): Promise<Map<string, InstanceOutcome>> {
    const { Dataset, requests } = await loadDimse();
    const outcomes = new Map<string, InstanceOutcome>();
    const stores: StoreRequest[] = [];
    const itemOf = new Map<StoreRequest, OutgoingInstance>();
    for (const item of batch) {
      let dataSet;
      try {
        // dcmjs-dimse re-encodes a data set in natural form for the transfer syntax the association accepts.
        const natural = DicomMetaDictionary.naturalizeDataset(readPart10OrBare(item.bytes).dict);
        if (natural.SOPClassUID !== item.sopClassUid || natural.SOPInstanceUID !== item.sopInstanceUid) throw new Error('UIDs differ');
        dataSet = new Dataset(natural, item.transferSyntaxUid);
      } catch {
        outcomes.set(item.sopInstanceUid, { stored: false, reason: 'it could not be encoded for C-STORE (its data set is not readable).' });
        continue;
      }
      const request = new requests.CStoreRequest(dataSet);
      request.on('response', (response: any) => {
        const status = response.getStatus();
        if (status === SUCCESS) outcomes.set(item.sopInstanceUid, { stored: true });
        else if (STORE_WARNINGS.has(status)) outcomes.set(item.sopInstanceUid, { stored: true, warning: `stored with a warning: ${storeStatusWords(status)}.` });
        else outcomes.set(item.sopInstanceUid, { stored: false, reason: `the PACS refused it: ${storeStatusWords(status)}.` });
        gently?.onAnswer?.(item.sopInstanceUid);
      });
      stores.push(request);
      itemOf.set(request, item);
    }
    // `gently.stop`: the C-STORE in flight is answered, the rest of the batch is not sent.
    const unsent = new Set<AnyRequest>();
    if (stores.length > 0) await this.associate(stores, 'store instances (C-STORE)', signal, undefined, true, undefined, 'request', gently?.stop && { signal: gently.stop, unsent });
    for (const request of unsent) {
      const item = itemOf.get(request as StoreRequest);
      if (item && !outcomes.has(item.sopInstanceUid)) outcomes.set(item.sopInstanceUid, { stored: false, reason: 'not sent: cancelled.', notSent: true });
    }
    for (const item of batch) {
      if (!outcomes.has(item.sopInstanceUid)) outcomes.set(item.sopInstanceUid, { stored: false, reason: `the PACS did not accept its SOP class (${item.sopClassUid}) or transfer syntax on the association.` });
    }
    return outcomes;
  }

  /**
   * C-MOVE to `destinationAet` (Lumen's receiver, which the PACS must know by
   * that AE title): the whole study or series, or each listed instance, on one
   * association. Resolves with the PACS's final counts.
   */
  async move(
    target: { studyUid: string; seriesUid?: string; instances?: InstanceRef[] },
    destinationAet: string,
    signal?: AbortSignal,
    onCounts?: (counts: MoveCounts) => void,
  ): Promise<MoveCounts> {
    const { requests } = await loadDimse();
    const moves = target.instances
      ? target.instances.map((i) => requests.CMoveRequest.createImageMoveRequest(destinationAet, target.studyUid, i.seriesInstanceUid, i.sopInstanceUid))
      : [target.seriesUid ? requests.CMoveRequest.createSeriesMoveRequest(destinationAet, target.studyUid, target.seriesUid) : requests.CMoveRequest.createStudyMoveRequest(destinationAet, target.studyUid)];
    const total: MoveCounts = { remaining: 0, completed: 0, failed: 0, warning: 0 };
    const c = this.connection;
    let refusal: { text: string; hint?: PacsHint } | null = null;
    for (const move of moves) {
      move.on('response', (response: any) => {
        const status = response.getStatus();
        const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
        const counts = { remaining: n(response.getRemaining?.()), completed: n(response.getCompleted?.()), failed: n(response.getFailures?.()), warning: n(response.getWarnings?.()) };
        if (PENDING.has(status)) {
          onCounts?.({ ...counts, completed: total.completed + counts.completed, failed: total.failed + counts.failed, warning: total.warning + counts.warning });
          return;
        }
        total.completed += counts.completed;
        total.failed += counts.failed;
        total.warning += counts.warning;
        onCounts?.({ ...total });
        if (status === SUCCESS || status === GET_WARNING) return;
        const hex = status.toString(16).toUpperCase().padStart(4, '0');
        const byGet: PacsHint = { code: 'retrieve-by-get', setting: 'retrieveMethod' };
        refusal ??=
          status === MOVE_DESTINATION_UNKNOWN
            ? { text: `PACS "${c.name}" does not know the move destination "${destinationAet}" (DIMSE status 0xA801): ask its administrator to add ${destinationAet} with this computer's address and the receiving port.`, hint: byGet }
            : status === 0xfe00
              ? { text: 'cancelled' }
              : (status & 0xff00) === 0xa700
                ? { text: `PACS "${c.name}" refused to move the study (DIMSE status 0x${hex}: out of resources).` }
                : // Orthanc answers 0xC000, not 0xA801, for a destination it does not know: the likeliest cause, said.
                  {
                    text: `PACS "${c.name}" refused to move the study to "${destinationAet}" (DIMSE status 0x${hex}): check that it knows the move destination "${destinationAet}" (Lumen's AE title, with this computer's address and the receiving port); ask its administrator to add it.`,
                    hint: byGet,
                  };
      });
    }
    await this.associate(moves, 'move the study', signal, undefined, true);
    // Set in the response handler: TypeScript cannot see that it may be set by now.
    const refused = refusal as { text: string; hint?: PacsHint } | null;
    if (refused) throw new PacsError(refused.text, 'connection', refused.hint);
    return total;
  }

  /** The TLS options of the connection, its files read now (regular files, bounded), or null for a plain connection. */
  private securityOptions(): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: true; minVersion: 'TLSv1.2' } | null {
    const tls = this.connection.tls;
    if (!tls) return null;
    const read = (file: string, what: string) => {
      try {
        return readRegularFile(file, 'tls');
      } catch (err) {
        const why = err instanceof FileReadError ? err.reason : `cannot be read: ${describeFsError(err)}.`;
        throw new PacsError(`the ${what} of PACS "${this.connection.name}" (${file}) ${why} Fix the file, or point the connection at another one.`);
      }
    };
    return {
      ...(tls.ca ? { ca: read(tls.ca, 'TLS CA certificate file') } : {}),
      ...(tls.cert && tls.key ? { cert: read(tls.cert, 'TLS certificate file'), key: read(tls.key, 'TLS key file') } : {}),
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    };
  }

  /**
   * One association carrying `list`, resolved when it is released, rejected with a message of ours on any failure.
   * `ownStatus`: the caller reads each response's status (C-STORE, C-MOVE); a failure status does not fail the association.
   * `enough`: when it fires, a C-CANCEL for the requests still answering; the association then ends without failing, released
   * once the PACS answers Cancel, or aborted after CANCEL_GRACE when it goes on.
   * `asked`: whether `what` is the connection test's, for a silent server's wording (silentServer).
   * `stopQueue`: when its signal fires, the requests not sent yet are not sent (the one in flight is
   * answered) and go into `unsent`; the association is then released without failing.
   */
  private associate(
    list: AnyRequest[],
    what: string,
    signal?: AbortSignal,
    onStore?: (request: StoreRequest, respond: (response: any) => void) => void,
    ownStatus = false,
    enough?: AbortSignal,
    asked: Asked = 'request',
    stopQueue?: { signal: AbortSignal; unsent: Set<AnyRequest> },
  ): Promise<void> {
    // Each request above loaded dcmjs-dimse before it made its association.
    const { requests } = dimseLoaded();
    const c = this.connection;
    let security: ReturnType<DimseClient['securityOptions']>;
    try {
      security = this.securityOptions();
    } catch (err) {
      return Promise.reject(err);
    }
    const where = `PACS "${c.name}" (${c.calledAet} at ${c.host}:${c.port})`;
    const timeoutMs = this.timeoutMs;
    const maxPending = this.maxPending;
    const seconds = Math.round(timeoutMs / 100) / 10;
    return new Promise<void>((resolve, reject) => {
      // A C-GET proposes every storage class Lumen takes, result documents too (cget-client.ts).
      const client = newCGetClient();
      let failure: PacsError | null = null;
      let settled = false;
      const fail = (message: string, hint?: PacsHint) => {
        failure ??= new PacsError(message, 'connection', hint);
      };
      // A cancel is a CancelledError (errors.ts), unless a failure came first: that one is said.
      const failCancelled = () => {
        failure ??= new PacsCancelledError();
      };
      const network = () => (client as unknown as { network?: { socket?: { destroy(): void }; on(event: string, f: () => void): void } }).network;
      // dcmjs-dimse's own time-outs do not fire while a peer that accepted the connection says
      // nothing: Lumen watches the silence itself, restarting the clock at every message.
      let watchdog: NodeJS.Timeout | undefined;
      const quiet = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          fail(silentServer(where, seconds, what, asked), TIMEOUT_HINT);
          network()?.socket?.destroy();
          settle();
        }, this.timeoutMs);
      };
      const settle = () => {
        clearTimeout(watchdog);
        clearTimeout(grace);
        enough?.removeEventListener('abort', sendCancel);
        signal?.removeEventListener('abort', cancel);
        stopQueue?.signal.removeEventListener('abort', dropQueued);
        if (settled) return;
        settled = true;
        if (failure) reject(failure);
        else resolve();
      };
      // Requests with their final (not pending) response: a connection that closes before all
      // have one ended early (a peer that crashed or was stopped closes without an error).
      const finished = new Set<AnyRequest>();
      // C-CANCEL (PS3.7 9.3.2.3): Lumen has read enough. A PACS that goes on past the grace is aborted; what was read is kept.
      let cancelled = false;
      let afterCancel = 0;
      let grace: NodeJS.Timeout | undefined;
      const endUnanswered = () => {
        try {
          client.abort();
        } catch {
          // already closed
        }
        // The A-ABORT goes out before the connection closes (a destroy now would drop it); a peer that does not close is cut off.
        const socket = network()?.socket as Socket | undefined;
        socket?.end();
        setTimeout(() => socket?.destroy(), 1_000).unref();
        settle();
      };
      function sendCancel(): void {
        if (cancelled) return;
        cancelled = true;
        for (const request of list) {
          if (finished.has(request) || !(request instanceof requests.CFindRequest || request instanceof requests.CGetRequest || request instanceof requests.CMoveRequest)) continue;
          try {
            client.cancel(request);
          } catch {
            // no association yet: nothing to cancel
          }
        }
        grace = setTimeout(endUnanswered, Math.min(CANCEL_GRACE.ms, timeoutMs));
      }
      for (const request of list) {
        let pending = 0;
        request.on('response', (response: any) => {
          quiet();
          const status = response.getStatus();
          if (!PENDING.has(status)) {
            finished.add(request);
          } else if (cancelled && ++afterCancel > CANCEL_GRACE.answers) {
            endUnanswered();
            return;
          } else if (++pending > maxPending) {
            fail(`${where} sent more than ${maxPending} pending answers to one request when asked to ${what}, more than it has sub-operations; Lumen ended the association. What arrived is kept.`);
            endUnanswered();
            return;
          }
          if (cancelled && status === CANCEL) return;
          if (!ownStatus && !PENDING.has(status) && status !== SUCCESS && status !== GET_WARNING) {
            const hex = status.toString(16).toUpperCase().padStart(4, '0');
            fail(`${where} refused to ${what} (DIMSE status 0x${hex}${status === 0xa701 || status === 0xa702 ? ': out of resources' : status === 0xc000 || status === 0xa900 ? ': it could not process the request' : ''}).`);
          }
        });
        client.addRequest(request);
      }
      if (onStore)
        client.on('cStoreRequest', (request: StoreRequest, respond: (response: any) => void) => {
          quiet();
          onStore(request, respond);
        });
      // dcmjs-dimse skips (without a response) a request whose presentation context the PACS
      // rejected: a C-STORE of a SOP class it does not take, a C-GET it does not offer. Those are
      // not missing answers; store() and get() report them.
      const skipped = new Set<AnyRequest>();
      let accepted = false;
      client.on('associationAccepted', (association: { getAcceptedPresentationContextFromRequest(r: AnyRequest): unknown }) => {
        accepted = true;
        for (const r of list) if (!association.getAcceptedPresentationContextFromRequest(r)) skipped.add(r);
        quiet();
      });
      // dcmjs-dimse sends the requests one at a time, the next once the last is answered: before the
      // association is accepted the client holds them all; after, its network holds those not sent yet.
      function dropQueued(): void {
        const queued = accepted ? (network() as unknown as { requests?: AnyRequest[] } | undefined)?.requests : undefined;
        for (const r of accepted ? (queued?.splice(0) ?? []) : list) stopQueue?.unsent.add(r);
        client.clearRequests();
      }
      client.on('associationRejected', (e: { reason: number }) => {
        const why = rejectReason(e.reason, c);
        fail(`${where} refused the association: ${why.text}.`, why.hint);
      });
      client.on('networkError', (e: unknown) => {
        const text = String((e as Error)?.message ?? e);
        const tlsText = security ? tlsProblem(text) : null;
        if (tlsText) fail(`cannot open a TLS association with ${where}: ${tlsText.text}.`, tlsText.hint);
        else if (/timeout/i.test(text)) fail(silentServer(where, seconds, what, asked), TIMEOUT_HINT);
        else if (/ECONNREFUSED/.test(text)) fail(`cannot reach ${where}: connection refused. Check the host and port, and that the server is running.`);
        else if (/ENOTFOUND|EAI_AGAIN/.test(text)) fail(`cannot reach ${where}: ${hostNotFound(c.host, /EAI_AGAIN/.test(text) ? 'EAI_AGAIN' : 'ENOTFOUND', 'the host name')}`);
        else fail(`the connection to ${where} failed when asked to ${what}.`, security ? undefined : { code: 'add-with-tls', setting: 'tls', value: c.name });
      });
      client.on('closed', () => {
        if (!cancelled && list.filter((r) => finished.has(r) || skipped.has(r) || stopQueue?.unsent.has(r)).length < list.length) fail(`the connection to ${where} closed before it finished when asked to ${what}: the server may have stopped.`);
        settle();
      });
      client.send(c.host, c.port, c.callingAet, c.calledAet, {
        connectTimeout: this.timeoutMs,
        associationTimeout: this.timeoutMs,
        pduTimeout: this.timeoutMs,
        associationLingerTimeout: 0,
        ...(security ? { securityOptions: security } : {}),
      });
      // What the PACS sends is bounded (receive-bounds.ts): C-STORE data sets into bounded sinks,
      // and a PDU declared past MAX_PDU_BYTES ends the association unread.
      const made = network();
      // A C-STORE goes out as a command PDU and a data set PDU: with Nagle's algorithm the second
      // waits for the PACS's delayed ACK, about 40 ms an instance on loopback.
      if (list.some((r) => r instanceof requests.CStoreRequest)) (made?.socket as unknown as Socket | undefined)?.setNoDelay?.(true);
      if (made) {
        boundStoreStreams(made, this.limits, this.incoming);
        if (made.socket) {
          guardPduLength(made.socket as unknown as Socket, (declared) => fail(`${where} sent a PDU of ${declared} bytes when asked to ${what}, more than the ${MAX_PDU_BYTES} Lumen reads; Lumen ended the association.`));
          guardIdentifierSize(made.socket as unknown as Socket, (kind, declared) => {
            failure ??= new ReplyTooLarge(`${where} sent ${kind === 'identifier' ? 'a reply data set' : 'a command'} of ${declared} bytes or more when asked to ${what}, past the ${MAX_IDENTIFIER_BYTES} Lumen reads; Lumen ended the association.`);
          });
        }
      }
      // An A-ABORT from the peer (Orthanc's answer to a calling AE title it does not know) is
      // not forwarded by the Client; its network object emits it. The association is over.
      quiet();
      // Cancelled (Ctrl-C): an A-ABORT to the peer; what was filed stays.
      const cancel = () => {
        failCancelled();
        try {
          client.abort();
        } catch {
          // no association yet
        }
        network()?.socket?.destroy();
        settle();
      };
      if (signal?.aborted) cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      if (stopQueue?.signal.aborted) dropQueued();
      stopQueue?.signal.addEventListener('abort', dropQueued, { once: true });
      if (enough?.aborted) sendCancel();
      enough?.addEventListener('abort', sendCancel, { once: true });
      network()?.on('abort', () => {
        fail(`${where} aborted the association when asked to ${what}: it may not allow the calling AE title "${c.callingAet}" to do this; ask its administrator to allow it.`, { code: 'calling-aet-unknown', setting: 'callingAet', value: c.callingAet });
        network()?.socket?.destroy();
        settle();
      });
    });
  }
}
