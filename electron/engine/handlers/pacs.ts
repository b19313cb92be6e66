/**
 * The app's PACS requests (common/contract/pacs.ts): connections kept by
 * electron/pacs/connections.ts, query and retrieve through its clients, and the
 * C-STORE receiver (electron/pacs/listen.ts) switched on and off inside the
 * engine. Nothing here opens a connection or a port until a request asks for it:
 * the receiver is off at every start.
 */
import path from 'node:path';
import type { PacsConnectionInfo, PacsQuery, PacsRetrieveReport, PacsSecret, PacsSendReport, ReceiverSettings, ReceiverState } from '../../../common/contract/pacs';
import type { Handlers, RequestContext } from '../../../common/rpc';
import { countOf } from '../../../common/counts';
import { errorMessage } from '../../../common/errors';
import { isCancel } from '../../../common/cancel';
import { JobCancelledError } from '../jobs';
import type { Library } from '../../library/library';
import { checkDicomWebUrl, type Credentials, type PacsConnection, PacsStore } from '../../pacs/connections';
import { DicomWebClient } from '../../pacs/dicomweb';
import { DimseClient } from '../../pacs/dimse';
import { type PacsHint, PacsError } from '../../pacs/errors';
import { type Receiver, startReceiver } from '../../pacs/listen';
import { readReceiverConfig, receiverTlsMode, writeReceiverConfig } from '../../pacs/receiver-settings';
import { checkQuery, type StudyQuery } from '../../pacs/query';
import { retrieveStudy } from '../../pacs/retrieve';
import { sendFiles } from '../../pacs/send';
import { forgetInstances, openLibrary } from '../viewer/library-access';
import { appWords } from './pacs-words';
import type { EngineDeps } from './context';

/** How long the app waits for a PACS to answer one request. */
const APP_TIMEOUT_MS = 20_000;
/** While a retrieve runs, the library list is told to refresh at most this often (it shows the study growing). */
const REFRESH_MS = 1000;
const MAX_EVENTS = 20;

/** A failure as the user reads it: ours with its advice in the app's words, anything else named by what was being done (never a library's words). */
function userError(err: unknown, what: string): Error {
  if (err instanceof PacsError) return new Error(appWords(err.message, err.hint));
  return new Error(`${what} failed (${errorMessage(err)}).`);
}

function toQuery(q: PacsQuery): StudyQuery {
  const clean = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  return {
    patientName: clean(q.patientName),
    patientId: clean(q.patientId),
    studyDate: clean(q.studyDate),
    modality: clean(q.modality)?.toUpperCase(),
    accession: clean(q.accession),
    description: clean(q.description),
  };
}

/** How many instances the library holds of each of these studies and of their series (those studies only, not the whole library). */
function libraryCounts(library: Library, studyUids: readonly string[]): { studies: Map<string, number>; series: Map<string, number> } {
  const studies = new Map<string, number>();
  const series = new Map<string, number>();
  for (const study of library.holdings(studyUids)) {
    studies.set(study.studyInstanceUid, study.instances);
    for (const s of study.series) series.set(s.seriesInstanceUid, s.instances);
  }
  return { studies, series };
}

export function pacsHandlers(deps: EngineDeps): Partial<Handlers> {
  const store = new PacsStore(deps.dataDir);

  const info = (c: PacsConnection): PacsConnectionInfo => {
    if (c.kind === 'dimse') {
      // DICOM TLS is set with lumen pacs add --tls: its file paths stay in the engine.
      const { tls: _tls, ...plain } = c;
      return { ...plain, secret: 'none', user: null };
    }
    if (c.auth === 'none') return { ...c, secret: 'none', user: null };
    const saved = store.credentials(c.name);
    return { ...c, secret: saved ? 'saved' : 'missing', user: saved && 'user' in saved ? saved.user : null };
  };
  const listed = () => ({ connections: store.list().map(info) });

  /** The connection and the secret to use: the one the Electron shell put in, else the file's. */
  const open = (name: string, sealed: PacsSecret | undefined): { connection: PacsConnection; credentials: Credentials | null } => {
    const connection = store.get(name);
    if (connection.kind === 'dimse' || connection.auth === 'none') return { connection, credentials: null };
    const credentials = sealed ?? store.credentials(name);
    const wanted = connection.auth === 'basic' ? 'a user name and password' : 'a bearer token';
    if (!credentials) throw new PacsError(`PACS "${name}" needs ${wanted} and none is saved: edit the connection in Settings and enter it.`);
    if ((connection.auth === 'basic') !== 'user' in credentials) throw new PacsError(`the saved secret of PACS "${name}" is not ${wanted}: edit the connection in Settings and enter it again.`);
    return { connection, credentials };
  };

  /** Whether a saved secret is the kind the connection's authentication uses. */
  const fits = (connection: PacsConnection, secret: Credentials): boolean =>
    connection.kind === 'dicomweb' && ((connection.auth === 'basic' && 'user' in secret) || (connection.auth === 'bearer' && 'bearer' in secret));

  const checkSecret = (connection: PacsConnection, secret: PacsSecret): Credentials | null => {
    if (connection.kind === 'dimse' || connection.auth === 'none') return null;
    if (connection.auth === 'basic' && !('user' in secret)) throw new PacsError('basic authentication needs a user name and a password.');
    if (connection.auth === 'bearer' && !('bearer' in secret)) throw new PacsError('bearer authentication needs a token.');
    return secret;
  };

  // The receiver: off at every start; its settings in pacs-receiver.json.
  let receiver: Receiver | null = null;
  let receiverError: string | null = null;
  const events: { at: string; line: string }[] = [];
  let totals = { received: 0, receivedImages: 0, receivedResults: 0, failed: 0, refusedAssociations: 0 };
  let listeners: RequestContext | null = null;

  const readReceiverSettings = (): ReceiverSettings => readReceiverConfig(deps.dataDir).settings;
  const allowedSenders = (settings: ReceiverSettings): string[] => {
    const all = new Set(settings.allowed);
    for (const c of store.list()) if (c.kind === 'dimse') all.add(c.calledAet);
    return [...all];
  };
  const receiverState = (): ReceiverState => {
    const settings = readReceiverSettings();
    const counts = receiver?.counts() ?? { received: 0, receivedImages: 0, receivedResults: 0, failed: 0, refusedAssociations: 0 };
    return {
      settings,
      allowedSenders: allowedSenders(settings),
      running: receiver !== null,
      received: totals.received + counts.received,
      receivedImages: totals.receivedImages + counts.receivedImages,
      receivedResults: totals.receivedResults + counts.receivedResults,
      failed: totals.failed + counts.failed,
      refusedAssociations: totals.refusedAssociations + counts.refusedAssociations,
      events: [...events],
      error: receiverError,
      tls: receiverTlsMode(readReceiverConfig(deps.dataDir).tls),
    };
  };
  const announce = () => listeners?.emit('pacs.receiverChanged', receiverState());
  const note = (line: string, hint?: PacsHint) => {
    events.unshift({ at: new Date().toISOString(), line: appWords(line, hint) });
    events.length = Math.min(events.length, MAX_EVENTS);
  };
  const stopReceiver = async () => {
    if (!receiver) return;
    const stopping = receiver;
    receiver = null;
    await stopping.close();
    // After close: what its last import filed counts too.
    const counts = stopping.counts();
    totals = {
      received: totals.received + counts.received,
      receivedImages: totals.receivedImages + counts.receivedImages,
      receivedResults: totals.receivedResults + counts.receivedResults,
      failed: totals.failed + counts.failed,
      refusedAssociations: totals.refusedAssociations + counts.refusedAssociations,
    };
  };
  const startReceiving = async (ctx: RequestContext) => {
    listeners = ctx;
    const { settings, tls } = readReceiverConfig(deps.dataDir);
    const allowed = allowedSenders(settings);
    if (allowed.length === 0) {
      receiverError = 'No sender is allowed: add the calling AE titles that may send (Settings, PACS), or a DIMSE connection.';
      return;
    }
    try {
      receiver = await startReceiver(openLibrary(deps), {
        ...settings,
        tls,
        allowed: new Set(allowed),
        onEvent: (line, hint) => {
          note(line, hint);
          forgetInstances(deps);
          ctx.emit('library.changed', { reason: 'import' });
          announce();
        },
      });
      receiverError = null;
      note(`listening as ${settings.aet} on ${settings.host === '0.0.0.0' ? 'every network interface' : 'this computer only'}, port ${settings.port}${tls ? ' over DICOM TLS' : ''}.`);
    } catch (err) {
      receiver = null;
      receiverError = userError(err, `Starting the receiver on port ${settings.port}`).message;
    }
  };
  deps.onDispose(() => stopReceiver());

  return {
    'pacs.list': () => listed(),
    'pacs.save': ({ connection: input, secret, previousName }) => {
      let connection: PacsConnection;
      try {
        connection = input.kind === 'dicomweb' ? { ...input, url: checkDicomWebUrl(input.url) } : input;
      } catch (err) {
        throw userError(err, 'Saving the connection');
      }
      // An edit in the app keeps the DICOM TLS files the CLI set.
      const before = previousName !== undefined ? store.list().find((c) => c.name === previousName) : undefined;
      if (connection.kind === 'dimse' && before?.kind === 'dimse' && before.tls) connection = { ...connection, tls: before.tls };
      const names = store.list().map((c) => c.name);
      if (previousName !== undefined && !before) throw new Error(`There is no PACS connection named "${previousName}" to change.`);
      if (connection.name !== previousName && names.includes(connection.name)) throw new Error(`A PACS connection named "${connection.name}" exists already: choose another name.`);
      try {
        if (previousName === undefined) {
          store.add(connection, secret ? checkSecret(connection, secret) : null);
        } else {
          // One change in place (PacsStore.replace): a save that fails leaves the connection and its secret as they were.
          const kept = store.credentials(previousName);
          const needsSecret = connection.kind === 'dicomweb' && connection.auth !== 'none';
          const credentials: Credentials | null | 'keep' = secret ? checkSecret(connection, secret) : secret === null || !needsSecret || (kept && !fits(connection, kept)) ? null : 'keep';
          store.replace(previousName, connection, credentials);
        }
      } catch (err) {
        throw userError(err, 'Saving the connection');
      }
      return listed();
    },
    'pacs.remove': ({ name }) => {
      try {
        store.remove(name);
      } catch (err) {
        throw userError(err, 'Removing the connection');
      }
      return listed();
    },
    'pacs.test': async ({ name, credentials: sealed }) => {
      const started = Date.now();
      try {
        const { connection, credentials } = open(name, sealed);
        if (connection.kind === 'dicomweb') await new DicomWebClient(connection, credentials, { timeoutMs: APP_TIMEOUT_MS }).probe();
        // A C-ECHO and a query for a study nobody has (a PACS answers C-ECHO from anyone).
        else await new DimseClient(connection, { timeoutMs: APP_TIMEOUT_MS }).probe();
        const ms = Date.now() - started;
        const what = connection.kind === 'dicomweb' ? `DICOMweb answered a test query (QIDO-RS)` : `${connection.calledAet} answered a C-ECHO and a test query (C-FIND)`;
        return { ok: true, message: `Connected: ${what} in ${ms} ms.`, milliseconds: ms };
      } catch (err) {
        return { ok: false, message: userError(err, `Testing PACS "${name}"`).message, milliseconds: Date.now() - started };
      }
    },
    'pacs.query': async ({ name, query, credentials: sealed }) => {
      try {
        const filters = checkQuery(toQuery(query));
        const { connection, credentials } = open(name, sealed);
        const options = { timeoutMs: APP_TIMEOUT_MS };
        const found = connection.kind === 'dicomweb' ? await new DicomWebClient(connection, credentials, options).searchStudies(filters) : await new DimseClient(connection, options).findStudies(filters);
        const studies = found.matches;
        studies.sort((a, b) => b.StudyDate.localeCompare(a.StudyDate) || a.StudyInstanceUID.localeCompare(b.StudyInstanceUID));
        const inLibrary = libraryCounts(openLibrary(deps), studies.map((s) => s.StudyInstanceUID)).studies;
        return {
          studies: studies.map((s) => ({
            studyInstanceUid: s.StudyInstanceUID,
            patientId: s.PatientID,
            patientName: s.PatientName,
            studyDate: s.StudyDate,
            studyDescription: s.StudyDescription,
            accessionNumber: s.AccessionNumber,
            modalities: s.ModalitiesInStudy,
            series: s.NumberOfStudyRelatedSeries,
            instances: s.NumberOfStudyRelatedInstances,
            inLibrary: inLibrary.get(s.StudyInstanceUID) ?? 0,
          })),
          incomplete: found.incomplete && appWords(found.incomplete, found.incompleteHint),
        };
      } catch (err) {
        throw userError(err, `Querying PACS "${name}"`);
      }
    },
    'pacs.series': async ({ name, studyInstanceUid, credentials: sealed }) => {
      try {
        const { connection, credentials } = open(name, sealed);
        const options = { timeoutMs: APP_TIMEOUT_MS };
        const found = connection.kind === 'dicomweb' ? await new DicomWebClient(connection, credentials, options).searchSeries(studyInstanceUid) : await new DimseClient(connection, options).findSeries(studyInstanceUid);
        const series = found.matches;
        series.sort((a, b) => (a.SeriesNumber ?? Infinity) - (b.SeriesNumber ?? Infinity) || a.SeriesInstanceUID.localeCompare(b.SeriesInstanceUID));
        const inLibrary = libraryCounts(openLibrary(deps), [studyInstanceUid]).series;
        return {
          series: series.map((s) => ({
            seriesInstanceUid: s.SeriesInstanceUID,
            modality: s.Modality,
            seriesNumber: s.SeriesNumber,
            seriesDescription: s.SeriesDescription,
            instances: s.NumberOfSeriesRelatedInstances,
            inLibrary: inLibrary.get(s.SeriesInstanceUID) ?? 0,
          })),
          incomplete: found.incomplete && appWords(found.incomplete, found.incompleteHint),
        };
      } catch (err) {
        throw userError(err, `Listing the series on PACS "${name}"`);
      }
    },
    'pacs.retrieve': ({ name, studyInstanceUid, seriesInstanceUid, credentials: sealed }, ctx) =>
      deps.jobs.start('pacs.retrieve', ctx, async (job): Promise<PacsRetrieveReport> => {
        job.progress(null, seriesInstanceUid ? "Listing the series' files…" : "Listing the study's files…");
        let lastRefresh = Date.now();
        const refresh = () => {
          lastRefresh = Date.now();
          forgetInstances(deps);
          ctx.emit('library.changed', { reason: 'import' });
        };
        try {
          const { connection, credentials } = open(name, sealed);
          const { library: _dir, ...report } = await retrieveStudy(connection, credentials, { studyUid: studyInstanceUid, seriesUid: seriesInstanceUid }, openLibrary(deps), {
            timeoutMs: APP_TIMEOUT_MS,
            signal: job.signal,
            onProgress: (done, total) => {
              job.progress(total ? done / total : null, `Retrieving… ${done} of ${countOf(total, 'image')}`, { done, total });
              if (Date.now() - lastRefresh >= REFRESH_MS) refresh();
            },
            // Instances a killed receiver or retrieve left in pacs/, filed before this retrieve: said in the receiver's events.
            onLeftovers: (line) => {
              note(line);
              refresh();
            },
          });
          // Stopped by Cancel: a cancel. A retrieve that ended otherwise (done, or stopped by a failure) says so, Cancel or not.
          if (report.stopped === 'cancelled') throw new JobCancelledError();
          const { stoppedHint, ...rest } = report;
          return { ...rest, stopped: report.stopped && appWords(report.stopped, stoppedHint) };
        } catch (err) {
          // A cancel (PacsCancelledError while listing, or the one above) is known by its class; any other error after Cancel is a failure, in its words.
          if (isCancel(err)) throw err instanceof JobCancelledError ? err : new JobCancelledError();
          throw userError(err, `Retrieving from PACS "${name}"`);
        } finally {
          refresh();
        }
      }),
    'pacs.receiver': (_input, ctx) => {
      listeners ??= ctx;
      return receiverState();
    },
    'pacs.receiverSettings': async ({ settings }, ctx) => {
      // The page's fields; DICOM TLS (set with lumen pacs receiver) is kept as it is.
      writeReceiverConfig(deps.dataDir, { ...readReceiverConfig(deps.dataDir), settings });
      if (receiver) {
        await stopReceiver();
        await startReceiving(ctx);
      }
      announce();
      return receiverState();
    },
    // Send to PACS: the library's result documents, resolved here from their UIDs (no path comes from the renderer).
    // A job: progress after each document the PACS answered; Cancel stops after the one in flight, and the
    // report says which were stored and which were not sent.
    'pacs.send': ({ name, sopInstanceUids, credentials: sealed }, ctx) =>
      deps.jobs.start('pacs.send', ctx, async (job): Promise<PacsSendReport> => {
        try {
          const { connection, credentials } = open(name, sealed);
          const files = openLibrary(deps).resultDocumentFiles(sopInstanceUids);
          // UIDs the library has no document for are counted as handled from the start.
          const missing = sopInstanceUids.length - files.size;
          const total = sopInstanceUids.length;
          const say = (done: number) => job.progress(done / total, `Sending ${done} of ${countOf(total, 'result')} to ${name}…`, { done, total });
          say(missing);
          const report = await sendFiles(connection, credentials, [...files.values()], { timeoutMs: APP_TIMEOUT_MS, stop: job.signal, onProgress: (done) => say(missing + done) });
          const byFile = new Map(report.files.map((f) => [f.file, f]));
          const documents = sopInstanceUids.map((uid) => {
            const file = files.get(uid);
            const result = file === undefined ? undefined : byFile.get(path.resolve(file));
            if (!result) return { sopInstanceUid: uid, status: 'failed' as const, reason: 'the library has no result document with this UID (removed since it was listed?).' };
            return { sopInstanceUid: uid, status: result.status, reason: result.reason ?? null, ...(result.notSent ? { notSent: true as const } : {}) };
          });
          const count = (status: string) => documents.filter((d) => d.status === status).length;
          const cancelled = report.stopped === 'cancelled';
          return {
            pacs: report.pacs,
            protocol: report.protocol,
            stored: count('stored'),
            failed: count('failed') + count('skipped'),
            documents,
            stopped: report.stopped && (cancelled ? 'cancelled' : appWords(report.stopped, report.stoppedHint)),
            cancelled,
          };
        } catch (err) {
          throw userError(err, `Sending to PACS "${name}"`);
        }
      }),
    'pacs.receiverSwitch': async ({ on }, ctx) => {
      if (on && !receiver) await startReceiving(ctx);
      if (!on && receiver) {
        await stopReceiver();
        receiverError = null;
        note('stopped.');
      }
      const state = receiverState();
      ctx.emit('pacs.receiverChanged', state);
      return state;
    },
  };
}
