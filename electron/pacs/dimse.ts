/**
 * DIMSE (C-FIND, C-GET) with dcmjs-dimse: a maintained pure-JavaScript DICOM
 * network library for Node (associations, the query/retrieve models, C-GET
 * with its C-STORE sub-operations, an SCP, TLS), so no native binary ships.
 * Every association is bounded by time-outs; every failure becomes a message
 * of ours.
 */
import dimse from 'dcmjs-dimse';
import type { DimseConnection } from './connections';
import { DEFAULT_TIMEOUT_MS, PacsError, isUid } from './errors';
import { p10File } from './p10';
import type { InstanceRef, StudyMatch, StudyQuery } from './query';
import { queryKeys, studyMatch } from './query';

const { Client, requests, responses, log } = dimse;
// dcmjs-dimse logs every PDU (and data sets when asked) to the console: Lumen reports failures itself, without patient data.
log.setLevel('silent');

const PENDING = new Set([0xff00, 0xff01]);
const SUCCESS = 0x0000;
/** C-GET warning: some sub-operations failed; the counts say how many. */
const GET_WARNING = 0xb000;

/** PS3.8 A-ASSOCIATE-RJ reasons (service user) in words. */
function rejectReason(reason: number, connection: DimseConnection): string {
  if (reason === 3) return `it does not know the calling AE title "${connection.callingAet}"; ask its administrator to add it, or set --calling-aet`;
  if (reason === 7) return `it is not called "${connection.calledAet}"; check the AE title in the connection`;
  if (reason === 2) return 'the application context is not supported';
  return `reason ${reason}`;
}

export interface DimseOptions {
  timeoutMs?: number;
}

type Request = InstanceType<typeof requests.CFindRequest> | InstanceType<typeof requests.CGetRequest>;
type StoreRequest = InstanceType<typeof requests.CStoreRequest>;

export class DimseClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly connection: DimseConnection,
    options: DimseOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** C-FIND at study level (Study Root). */
  async findStudies(query: StudyQuery): Promise<StudyMatch[]> {
    const keys = { ...queryKeys(query), StudyInstanceUID: '', NumberOfStudyRelatedSeries: '', NumberOfStudyRelatedInstances: '' };
    const request = requests.CFindRequest.createStudyFindRequest(keys);
    const found: StudyMatch[] = [];
    request.on('response', (response: any) => {
      if (!PENDING.has(response.getStatus()) || !response.hasDataset()) return;
      const e = response.getDataset().getElements() as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
      const name = Array.isArray(e.PatientName) ? (e.PatientName[0] as { Alphabetic?: string })?.Alphabetic : e.PatientName;
      const count = (v: unknown) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
      const match = studyMatch({
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
      if (match) found.push(match);
    });
    await this.associate([request], 'query studies');
    return found;
  }

  /** C-FIND at image level: the instances of a study (or one series of it). */
  async findInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]> {
    const request = requests.CFindRequest.createImageFindRequest({ StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid ?? '', SOPInstanceUID: '' });
    const refs: InstanceRef[] = [];
    request.on('response', (response: any) => {
      if (!PENDING.has(response.getStatus()) || !response.hasDataset()) return;
      const e = response.getDataset().getElements() as Record<string, unknown>;
      if (isUid(e.SOPInstanceUID) && isUid(e.SeriesInstanceUID)) refs.push({ sopInstanceUid: e.SOPInstanceUID, seriesInstanceUid: e.SeriesInstanceUID });
    });
    await this.associate([request], 'list the instances of the study', signal);
    return refs;
  }

  /**
   * C-GET: the whole study or series when `instances` is absent, else each
   * listed instance, all on one association. Each received instance goes to
   * `store` as a Part 10 file; a store that throws fails that instance only.
   */
  async get(
    target: { studyUid: string; seriesUid?: string; instances?: InstanceRef[] },
    store: (file: Buffer) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<{ failedOnServer: number }> {
    const gets = target.instances
      ? target.instances.map((i) => requests.CGetRequest.createImageGetRequest(target.studyUid, i.seriesInstanceUid, i.sopInstanceUid))
      : [target.seriesUid ? requests.CGetRequest.createSeriesGetRequest(target.studyUid, target.seriesUid) : requests.CGetRequest.createStudyGetRequest(target.studyUid)];
    let failedOnServer = 0;
    for (const get of gets) {
      get.on('response', (response: any) => {
        const status = response.getStatus();
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
          const meta = {
            sopClassUid: String(dataSet.getElement('SOPClassUID') ?? ''),
            sopInstanceUid: String(dataSet.getElement('SOPInstanceUID') ?? ''),
            transferSyntaxUid: dataSet.getTransferSyntaxUid(),
          };
          await store(p10File(meta, dataSet.getDenaturalizedDataset()));
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
    return { failedOnServer };
  }

  /** One association carrying `list`, resolved when it is released, rejected with a message of ours on any failure. */
  private associate(list: Request[], what: string, signal?: AbortSignal, onStore?: (request: StoreRequest, respond: (response: any) => void) => void): Promise<void> {
    const c = this.connection;
    const where = `PACS "${c.name}" (${c.calledAet} at ${c.host}:${c.port})`;
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    return new Promise<void>((resolve, reject) => {
      const client = new Client();
      let failure: PacsError | null = null;
      let settled = false;
      const fail = (message: string) => {
        failure ??= new PacsError(message);
      };
      const network = () => (client as unknown as { network?: { socket?: { destroy(): void }; on(event: string, f: () => void): void } }).network;
      // dcmjs-dimse's own time-outs do not fire while a peer that accepted the connection says
      // nothing: Lumen watches the silence itself, restarting the clock at every message.
      let watchdog: NodeJS.Timeout | undefined;
      const quiet = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          fail(`${where} did not answer within ${seconds} s when asked to ${what}: check that the server is up, or allow longer with --timeout.`);
          network()?.socket?.destroy();
          settle();
        }, this.timeoutMs);
      };
      const settle = () => {
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', cancel);
        if (settled) return;
        settled = true;
        if (failure) reject(failure);
        else resolve();
      };
      for (const request of list) {
        request.on('response', (response: any) => {
          quiet();
          const status = response.getStatus();
          if (!PENDING.has(status) && status !== SUCCESS && status !== GET_WARNING) {
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
      client.on('associationAccepted', quiet);
      client.on('associationRejected', (e: { reason: number }) => fail(`${where} refused the association: ${rejectReason(e.reason, c)}.`));
      client.on('networkError', (e: unknown) => {
        const text = String((e as Error)?.message ?? e);
        if (/timeout/i.test(text)) fail(`${where} did not answer within ${seconds} s when asked to ${what}: check that the server is up, or allow longer with --timeout.`);
        else if (/ECONNREFUSED/.test(text)) fail(`cannot reach ${where}: connection refused. Check the host and port, and that the server is running.`);
        else if (/ENOTFOUND|EAI_AGAIN/.test(text)) fail(`cannot reach ${where}: unknown host.`);
        else fail(`the connection to ${where} failed when asked to ${what}.`);
      });
      client.on('closed', settle);
      client.send(c.host, c.port, c.callingAet, c.calledAet, {
        connectTimeout: this.timeoutMs,
        associationTimeout: this.timeoutMs,
        pduTimeout: this.timeoutMs,
        associationLingerTimeout: 0,
      });
      // An A-ABORT from the peer (Orthanc's answer to a calling AE title it does not know) is
      // not forwarded by the Client; its network object emits it. The association is over.
      quiet();
      // Cancelled (Ctrl-C): an A-ABORT to the peer; what was filed stays.
      const cancel = () => {
        fail('cancelled');
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
      network()?.on('abort', () => {
        fail(`${where} aborted the association when asked to ${what}: it may not allow the calling AE title "${c.callingAet}" to do this; ask its administrator.`);
        network()?.socket?.destroy();
        settle();
      });
    });
  }
}
