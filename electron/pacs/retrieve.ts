/**
 * Retrieve a study (or one series) from a PACS into the library: list its
 * instances, skip those the library holds already (by SOP Instance UID, so an
 * interrupted retrieve resumes), fetch the rest (WADO-RS or C-GET), and file
 * each one: its header checked, written whole into <library>/pacs/<study>/<series>/
 * (a temporary file renamed into place: nothing half-written), then imported.
 */
import path from 'node:path';
import { errorMessage } from '../../common/errors';
import { ensurePrivateDir, pathInside, removeInside, writeFileAtomic } from '../../common/node/safe-fs';
import { describeFsError } from '../dicom/fs-errors';
import { parseDicomBuffer } from '../dicom/parse';
import type { Library } from '../library/library';
import type { Credentials, PacsConnection } from './connections';
import { DicomWebClient } from './dicomweb';
import { DimseClient } from './dimse';
import { PacsError, isUid } from './errors';
import type { InstanceRef } from './query';

/** Instances written before they are imported together (the library shows the study growing in steps of this). */
const IMPORT_BATCH = 32;
/** WADO-RS requests in flight at once. */
const PARALLEL_REQUESTS = 4;

export interface RetrieveTarget {
  studyUid: string;
  seriesUid?: string;
}

export interface RetrieveReport {
  pacs: string;
  study: string;
  series: string | null;
  library: string;
  /** Instances the PACS listed for the study (or series). */
  listed: number;
  received: number;
  alreadyPresent: number;
  failed: number;
  /** Per-instance failures (SOP Instance UID and reason), at most 100. */
  errors: { sopInstanceUid: string | null; reason: string }[];
  /** Set when the retrieve stopped early (the connection failed): what arrived before is kept. */
  stopped: string | null;
  seconds: number;
}

export interface RetrieveOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

const MAX_ERRORS = 100;

/** Writes received instances into the library's pacs/ folder and imports them in batches. Without a target (the receiver), any study is filed. */
export class InstanceFiler {
  readonly root: string;
  received = 0;
  failed = 0;
  readonly errors: RetrieveReport['errors'] = [];
  private queue: string[] = [];

  constructor(
    private readonly library: Library,
    private readonly target?: RetrieveTarget,
  ) {
    this.root = path.join(library.dir, 'pacs');
  }

  fail(sopInstanceUid: string | null, reason: string): void {
    this.failed++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ sopInstanceUid, reason });
  }

  /** Checks and writes one instance (it is in the library after the next flush); false, counted as failed, when it cannot be filed. */
  async file(bytes: Uint8Array, expected?: InstanceRef): Promise<boolean> {
    let meta;
    try {
      meta = parseDicomBuffer(bytes, 'instance from the PACS', { untilTag: 'x7fe00010' }).meta;
    } catch (err) {
      this.fail(expected?.sopInstanceUid ?? null, `the PACS sent something that is not a readable DICOM file (${errorMessage(err)}).`);
      return false;
    }
    const { sopInstanceUid: sop, seriesInstanceUid: series, studyInstanceUid: study } = meta;
    const mismatch =
      !isUid(sop) || !isUid(series) || !isUid(study)
        ? 'its UIDs are not valid DICOM UIDs'
        : this.target && (study !== this.target.studyUid || (this.target.seriesUid !== undefined && series !== this.target.seriesUid))
          ? 'it belongs to another study or series than the one asked for'
          : expected && expected.sopInstanceUid !== sop
            ? 'it is another instance than the one asked for'
            : null;
    if (mismatch) {
      this.fail(expected?.sopInstanceUid ?? (isUid(sop) ? sop : null), `the PACS sent an instance that was not filed: ${mismatch}.`);
      return false;
    }
    try {
      const seriesDir = pathInside(pathInside(this.root, study), series);
      ensurePrivateDir(seriesDir);
      const file = pathInside(seriesDir, `${sop}.dcm`);
      writeFileAtomic(file, bytes);
      this.queue.push(file);
    } catch (err) {
      this.fail(sop, `cannot write it into the library folder: ${describeFsError(err)}.`);
      return false;
    }
    if (this.queue.length >= IMPORT_BATCH) await this.flush();
    return true;
  }

  /** Instances the PACS listed that never came, counted as failed with one line. */
  notSent(count: number, stopped: boolean): void {
    if (count <= 0) return;
    this.failed += count;
    const what = `${count} listed instance${count === 1 ? ' was' : 's were'}`;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ sopInstanceUid: null, reason: stopped ? `${what} not fetched before the retrieve stopped; run it again to fetch them.` : `${what} not sent by the PACS.` });
  }

  private flushing: Promise<void> = Promise.resolve();

  /** Imports what was written, one import at a time; a file the importer refuses is removed and counted as failed. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.importQueued());
    return this.flushing;
  }

  private async importQueued(): Promise<void> {
    if (this.queue.length === 0) return;
    const files = this.queue;
    this.queue = [];
    const report = await this.library.importPaths(files);
    const refused = new Map(report.errors.map((e) => [path.resolve(e.file), e.reason]));
    for (const file of files) {
      const reason = refused.get(path.resolve(file));
      if (reason === undefined) {
        this.received++;
        continue;
      }
      removeInside(this.root, file);
      this.fail(path.basename(file, '.dcm'), `the library did not accept it: ${reason}`);
    }
  }
}

export async function retrieveStudy(connection: PacsConnection, credentials: Credentials | null, target: RetrieveTarget, library: Library, options: RetrieveOptions = {}): Promise<RetrieveReport> {
  if (!isUid(target.studyUid)) throw new PacsError(`"${target.studyUid}" is not a Study Instance UID (digits and dots, at most 64 characters).`);
  if (target.seriesUid !== undefined && !isUid(target.seriesUid)) throw new PacsError(`"${target.seriesUid}" is not a Series Instance UID (digits and dots, at most 64 characters).`);
  const started = Date.now();
  const filer = new InstanceFiler(library, target);
  const timeouts = { timeoutMs: options.timeoutMs };
  const dicomweb = connection.kind === 'dicomweb' ? new DicomWebClient(connection, credentials, timeouts) : null;
  const dimse = connection.kind === 'dimse' ? new DimseClient(connection, timeouts) : null;

  const listed = dicomweb ? await dicomweb.searchInstances(target.studyUid, target.seriesUid, options.signal) : await dimse!.findInstances(target.studyUid, target.seriesUid, options.signal);
  const valid = listed.filter((r) => isUid(r.sopInstanceUid) && isUid(r.seriesInstanceUid));
  if (valid.length === 0) {
    throw new PacsError(`PACS "${connection.name}" has no instances of ${target.seriesUid ? `series ${target.seriesUid} in ` : ''}study ${target.studyUid}: check the UID with lumen pacs query.`);
  }
  const present = library.presentInstances(valid.map((r) => r.sopInstanceUid));
  const missing = valid.filter((r) => !present.has(r.sopInstanceUid));
  let stopped: string | null = null;
  let done = 0;
  const progress = () => options.onProgress?.(present.size + done, valid.length);

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
            await filer.file(await dicomweb.retrieveInstance({ ...ref, studyInstanceUid: target.studyUid }, options.signal), ref);
          } catch (err) {
            if (err instanceof PacsError && err.scope === 'connection') {
              stopped ??= err.message;
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
      // Everything missing: one study- or series-level C-GET; else only what is missing, by instance.
      const instances = missing.length === valid.length ? undefined : missing;
      try {
        await dimse!.get({ ...target, instances }, async (file) => {
          const filed = await filer.file(file);
          done++;
          progress();
          if (!filed) throw new PacsError('not filed', 'instance');
        }, options.signal);
      } catch (err) {
        if (!(err instanceof PacsError)) throw err;
        stopped = err.message;
      }
    }
  } finally {
    await filer.flush();
  }
  // Listed, neither filed nor failed here: the PACS did not send it (or the connection stopped first).
  filer.notSent(missing.length - filer.received - filer.failed, stopped !== null);
  return {
    pacs: connection.name,
    study: target.studyUid,
    series: target.seriesUid ?? null,
    library: library.dir,
    listed: valid.length,
    received: filer.received,
    alreadyPresent: present.size,
    failed: filer.failed,
    errors: filer.errors,
    stopped,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
