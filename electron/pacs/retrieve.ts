/**
 * Retrieve a study (or one series) from a PACS into the library: list its
 * instances (a study whose series' counts pass the listing's bound: series by
 * series), skip those the library holds already (images and result documents, by
 * SOP Instance UID in the study and series listed, so an interrupted retrieve resumes
 * and a second one fetches nothing), fetch the rest (WADO-RS, C-GET or C-MOVE), and file
 * each one: its header checked, written whole into <library>/pacs/<study>/<series>/
 * (a temporary file renamed into place: nothing half-written), then imported.
 */
import fs from 'node:fs';
import { errorMessage } from '../../common/errors';
import type { RetrieveCounts } from '../../common/retrieve-summary';
import { describeDiskProblem } from '../../common/node/fs-errors';
import type { Library } from '../library/library';
import { ResultsStore } from '../results/store';
import type { Credentials, DimseConnection, PacsConnection } from './connections';
import { DicomWebClient } from './dicomweb';
import { DimseClient, GetNotSupported } from './dimse';
import { isUid, uidProblem } from '../../common/dicom-uid';
import { type PacsHint, PacsError } from './errors';
import { InstanceFiler, type RetrieveTarget, fileLeftovers, leftoversLine, partialsLine, removeStalePartials } from './filer';
import { type InstanceRef, TooManyInstances, matchLimit, seriesNotAllListed, seriesTooLarge, tooManyMatches } from './query';
import type { SeriesMatch } from './series';
import { DEFAULT_MOVE_PORT, type MoveReceiver, moveIntoLibrary } from './move';

export type { RetrieveTarget };

/**
 * WADO-RS requests in flight at once. Each streams its instance to a temporary file (filer.ts),
 * so memory holds a chunk per request; the disk holds at most 4 x 2 GiB (dicomweb.ts's
 * MAX_INSTANCE_BYTES) of instances not yet filed.
 */
const PARALLEL_REQUESTS = 4;
/** Instances the PACS never listed, refused one by one, before a C-GET or C-MOVE is stopped: a peer could send them without end. */
const MAX_UNLISTED = 100;

/** The counts (listed, received, already present, failed; in files and images) are common/retrieve-summary.ts's, worded by retrieveCountsPhrase. */
export interface RetrieveReport extends RetrieveCounts {
  /** Of `received`, the result documents (SR, Parametric Map), which hold no image. */
  receivedResults: number;
  /** Of `alreadyPresent`, the result documents the library held already. */
  alreadyPresentResults: number;
  pacs: string;
  study: string;
  series: string | null;
  library: string;
  /** Listed instances not fetched because the retrieve stopped first (running it again fetches them). */
  notFetched: number;
  /** Per-instance failures (SOP Instance UID and reason), at most 100. */
  errors: { sopInstanceUid: string | null; reason: string }[];
  /** Set when the retrieve stopped early (the connection failed): what arrived before is kept. */
  stopped: string | null;
  /** What the user may change about why it stopped, for the CLI or the app to word. */
  stoppedHint: PacsHint | null;
  seconds: number;
}

export interface RetrieveOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** DIMSE only: C-GET (the default: the PACS sends back on Lumen's own association) or C-MOVE (to Lumen's receiver on `receiver`'s port, which the PACS must know). */
  via?: 'get' | 'move';
  receiver?: MoveReceiver;
  /** The most instances one listing reads, below MAX_MATCHES.instances (query.ts): a test's study need not hold 200 001. */
  maxListed?: number;
  /**
   * What the retrieve filed before it began: instances an earlier receiver or retrieve wrote into
   * pacs/ and Lumen stopped before importing ("9 instances received before Lumen stopped were filed now"),
   * and the partial files a stopped one left that it removed ("Removed 3 partial files a stopped receiver or retrieve left.").
   */
  onLeftovers?: (line: string) => void;
}

export async function retrieveStudy(connection: PacsConnection, credentials: Credentials | null, target: RetrieveTarget, library: Library, options: RetrieveOptions = {}): Promise<RetrieveReport> {
  const refuse = (what: string, uid: string) => new PacsError(`"${uid.slice(0, 80)}" is not a ${what} (digits and dots, at most 64 characters): it ${uidProblem(uid)}.`);
  if (!isUid(target.studyUid)) throw refuse('Study Instance UID', target.studyUid);
  if (target.seriesUid !== undefined && !isUid(target.seriesUid)) throw refuse('Series Instance UID', target.seriesUid);
  const started = Date.now();
  // What a stopped receiver or retrieve left half-received in pacs-incoming/ goes first.
  const partials = partialsLine(removeStalePartials(library.dir));
  if (partials) options.onLeftovers?.(partials);
  // Filed first: an instance a killed retrieve wrote is then held, and not fetched again.
  const leftovers = await fileLeftovers(library).then(leftoversLine, (err: unknown) => `could not file the instances received before Lumen stopped: ${errorMessage(err)}`);
  if (leftovers) options.onLeftovers?.(leftovers);
  const filer = new InstanceFiler(library, target);
  const timeouts = { timeoutMs: options.timeoutMs };
  const dicomweb = connection.kind === 'dicomweb' ? new DicomWebClient(connection, credentials, timeouts) : null;
  // C-GET's instances go straight into temporary files of the filer's, as WADO-RS's do.
  const dimse = connection.kind === 'dimse' ? new DimseClient(connection, { ...timeouts, incoming: filer, maxInstances: options.maxListed }) : null;

  const listInstances = async (seriesUid?: string): Promise<InstanceRef[]> => {
    if (!dicomweb) return dimse!.findInstances(target.studyUid, seriesUid, options.signal);
    const refs = await dicomweb.searchInstances(target.studyUid, seriesUid, options.signal);
    // DicomWebClient stops reading at MAX_MATCHES.instances itself; a test's lower bound is checked on what it read.
    if (options.maxListed !== undefined && refs.length > options.maxListed) throw tooManyMatches(connection.name, 'list the instances of the study', options.maxListed);
    return refs;
  };
  const usable = (refs: InstanceRef[]) => refs.filter((r) => isUid(r.sopInstanceUid) && isUid(r.seriesInstanceUid));
  const noInstances = () =>
    new PacsError(`PACS "${connection.name}" has no instances of ${target.seriesUid ? `series ${target.seriesUid} in ` : ''}study ${target.studyUid}.`, 'connection', { code: 'check-study-uid', setting: 'studyUid' });
  /**
   * A study's series, whole, as the PACS lists them with their instance counts (null: it lists
   * none, lists them only in part, or fails to answer; the listing of the instances decides then).
   */
  const listSeries = async (): Promise<SeriesMatch[] | null> => {
    try {
      const series = dicomweb ? await dicomweb.searchSeries(target.studyUid, options.signal) : await dimse!.findSeries(target.studyUid, options.signal);
      return series.incomplete === null && series.matches.length > 0 ? series.matches : null;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      return null;
    }
  };
  // The study (or series) listed whole; past the listing's bound (MAX_MATCHES.instances) a study is listed
  // and retrieved series by series, so memory holds the listing of one series at a time. What the study
  // holds is asked first (its series and their instance counts): a study whose counts pass the bound
  // goes series by series at once, without a listing of its instances that would be thrown away.
  const bound = Math.min(options.maxListed ?? Infinity, matchLimit(connection, 'instances'));
  const studySeries = target.seriesUid === undefined ? await listSeries() : null;
  const counted = studySeries?.every((s) => s.NumberOfSeriesRelatedInstances !== null) ? studySeries.reduce((sum, s) => sum + s.NumberOfSeriesRelatedInstances!, 0) : null;
  let whole: InstanceRef[] | null = null;
  if (counted === null || counted <= bound) {
    try {
      whole = usable(await listInstances(target.seriesUid));
    } catch (err) {
      if (!(err instanceof TooManyInstances)) throw err;
      if (target.seriesUid !== undefined) throw new PacsError(seriesTooLarge(connection.name, target.seriesUid, err.limit), 'connection');
    }
    if (whole?.length === 0) throw noInstances();
  }

  let stopped: string | null = null;
  let stoppedHint: PacsHint | null = null;
  let via = options.via;
  let listed = 0;
  let alreadyPresent = 0;
  let alreadyPresentImages = 0;
  let alreadyPresentResults = 0;
  /** Instances of series too large to list: counted as failed, one line in the errors says why. */
  let notListable = 0;
  let done = 0;
  /** The study's instances as far as known: those listed, and what the series not listed yet say they hold. */
  let total = whole?.length ?? 0;
  const progress = () => options.onProgress?.(alreadyPresent + done, Math.max(total, alreadyPresent + done));

  /** Skips what the library holds of `valid` (the listing of `part`), fetches the rest and files it. */
  const fetchPart = async (part: RetrieveTarget, valid: InstanceRef[]): Promise<void> => {
    // Held: the images, and the result documents (SR, Parametric Map), which the library keeps apart.
    // Each counts as held only in this study and the series the listing names: the library may hold
    // another patient's image or document under the same SOP Instance UID (T-8), which this one must not be taken for.
    const results = new ResultsStore(library);
    let presentResults: Set<string>;
    try {
      presentResults = results.resultsHeldIn(part.studyUid, valid);
    } finally {
      results.close();
    }
    const present = new Set([...library.presentInStudy(part.studyUid, valid), ...presentResults]);
    const missing = valid.filter((r) => !present.has(r.sopInstanceUid));
    listed += valid.length;
    alreadyPresent += present.size;
    alreadyPresentImages += library.imagesOf(present);
    alreadyPresentResults += presentResults.size;
    filer.onlyListed(missing.map((r) => r.sopInstanceUid));
    const before = { received: filer.received, failed: filer.failed };
    progress();
    try {
      if (dicomweb) {
        let next = 0;
        const worker = async () => {
          while (next < missing.length && stopped === null) {
            if (options.signal?.aborted) {
              stopped = 'cancelled';
              return;
            }
            const ref = missing[next++];
            try {
              // Streamed into a temporary file in the library's folder, checked, then renamed into place:
              // in memory only a chunk at a time (PARALLEL_REQUESTS instances in flight, on disk).
              const incoming = filer.openIncoming();
              let written = false;
              try {
                await dicomweb.retrieveInstanceInto({ ...ref, studyInstanceUid: part.studyUid }, (chunk) => fs.writeSync(incoming.fd, chunk), options.signal);
                written = true;
              } finally {
                fs.closeSync(incoming.fd);
                if (!written) filer.discardIncoming(incoming.file);
              }
              await filer.fileTemp(incoming.file, ref);
            } catch (err) {
              if (err instanceof PacsError && err.scope === 'connection') {
                if (stopped === null) [stopped, stoppedHint] = [err.message, err.hint ?? null];
                return;
              }
              // A full or read-only library disk fails every instance alike: the retrieve stops, what was filed stays.
              const disk = describeDiskProblem(err, filer.root);
              if (disk) {
                filer.fail(ref.sopInstanceUid, `it could not be written into the library folder ${filer.root}: ${disk}.`);
                if (stopped === null) stopped = `the library folder ${filer.root} could not be written: ${disk}. What was filed before is kept; free space on that disk (or make it writable), then retrieve again to fetch the rest.`;
                return;
              }
              filer.fail(ref.sopInstanceUid, err instanceof PacsError ? err.message : `retrieving it failed (${errorMessage(err)}).`);
            }
            done++;
            progress();
          }
        };
        await Promise.all(Array.from({ length: Math.min(PARALLEL_REQUESTS, missing.length) }, worker));
      } else if (missing.length > 0) {
        // Everything missing: one study- or series-level request; else only what is missing, by instance.
        const instances = missing.length === valid.length ? undefined : missing;
        // Each unlisted instance is refused (the filer), but the association would go on as long as the peer sends.
        const overflow = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, overflow.signal]) : overflow.signal;
        const counted = () => {
          done++;
          progress();
          if (filer.unlisted > MAX_UNLISTED) overflow.abort();
        };
        // C-MOVE to Lumen's receiver, started for this transfer on the port the user gave.
        const byMove = () =>
          moveIntoLibrary(dimse!, connection as DimseConnection, { ...part, instances }, library, filer, options.receiver ?? { port: DEFAULT_MOVE_PORT, host: '0.0.0.0' }, { signal, onInstance: counted });
        const byGet = () =>
          dimse!.get({ ...part, instances }, async (file) => {
            // A received file's data set must be the instance its C-STORE command announced (its meta header says so).
            const filed = Buffer.isBuffer(file) ? await filer.file(file) : await filer.fileTemp(file.temp, { sopInstanceUid: file.sopInstanceUid, seriesInstanceUid: '' });
            counted();
            if (!filed) throw new PacsError('not filed', 'instance');
          }, signal, (reason) => {
            // Past the receive bounds: refused unread (0xA700), counted as failed with why.
            filer.fail(null, reason);
            counted();
          });
        try {
          if (via === 'move') await byMove();
          else {
            try {
              await byGet();
            } catch (err) {
              // C-GET where the PACS takes it; else, unless C-GET was asked for, C-MOVE (nothing has arrived yet).
              if (err instanceof GetNotSupported && via === undefined) {
                // The next series go by C-MOVE at once.
                via = 'move';
                await byMove();
              }
              else throw err;
            }
          }
        } catch (err) {
          if (!(err instanceof PacsError)) throw err;
          [stopped, stoppedHint] = [err.message, err.hint ?? null];
          if (overflow.signal.aborted && !options.signal?.aborted) {
            [stopped, stoppedHint] = [`PACS "${connection.name}" sent more than ${MAX_UNLISTED} instances it had not listed for this study; Lumen stopped the retrieve. Ask its administrator why.`, null];
          }
        }
      }
    } finally {
      await filer.flush();
    }
    // Listed, neither filed nor failed here: the PACS did not send it (or the connection stopped first).
    filer.notSent(missing.length - (filer.received - before.received) - (filer.failed - before.failed), stopped !== null);
  };

  if (whole) await fetchPart(target, whole);
  else {
    // The series listing read first, else (it failed or was cut short) asked again, its failure said.
    let matches = studySeries;
    if (matches === null) {
      const series = dicomweb ? await dicomweb.searchSeries(target.studyUid, options.signal) : await dimse!.findSeries(target.studyUid, options.signal);
      if (series.incomplete !== null) throw new PacsError(seriesNotAllListed(connection.name, target.studyUid, series.incompleteHint !== undefined), 'connection', series.incompleteHint);
      matches = series.matches;
    }
    total = matches.reduce((sum, s) => sum + (s.NumberOfSeriesRelatedInstances ?? 0), 0);
    for (const s of matches) {
      if (stopped !== null) break;
      if (options.signal?.aborted) {
        stopped = 'cancelled';
        break;
      }
      const said = s.NumberOfSeriesRelatedInstances ?? 0;
      let refs: InstanceRef[];
      try {
        refs = usable(await listInstances(s.SeriesInstanceUID));
      } catch (err) {
        if (err instanceof TooManyInstances) {
          // Not retrieved: at least one more instance than the bound, or what the PACS says the series holds.
          const count = Math.max(err.limit + 1, said);
          listed += count;
          notListable += count - 1;
          // Progress counts what can come: this series no longer.
          total -= said;
          filer.fail(null, seriesTooLarge(connection.name, s.SeriesInstanceUID, err.limit));
          continue;
        }
        if (!(err instanceof PacsError) || err.scope !== 'connection') throw err;
        [stopped, stoppedHint] = [err.message, err.hint ?? null];
        break;
      }
      total += refs.length - said;
      if (refs.length > 0) await fetchPart({ studyUid: target.studyUid, seriesUid: s.SeriesInstanceUID }, refs);
    }
    if (listed === 0 && stopped === null) throw noInstances();
  }
  return {
    pacs: connection.name,
    study: target.studyUid,
    series: target.seriesUid ?? null,
    library: library.dir,
    listed,
    received: filer.received,
    receivedImages: filer.receivedImages,
    receivedResults: filer.receivedResults,
    alreadyPresent,
    alreadyPresentImages,
    alreadyPresentResults,
    failed: filer.failed + notListable,
    notFetched: filer.notFetched,
    errors: filer.errors,
    stopped,
    stoppedHint,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
