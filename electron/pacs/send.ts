/**
 * Send DICOM files to a PACS (`lumen pacs send`, the app's Send to PACS): the
 * SR, parametric maps and de-identified copies Lumen writes, or any Part 10
 * file the user names. STOW-RS for a DICOMweb connection, C-STORE for a DIMSE
 * one. Every path is checked first (regular files only, symbolic links
 * refused, folders walked within limits, Part 10 header read), each file gets
 * its own status from the server's reply, and a connection that fails stops
 * the send with what was stored kept and said. Progress is counted per file;
 * `stop` (the app's Cancel) ends the send after the image in flight, so that
 * the report says exactly what the PACS holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../common/errors';
import { FileReadError, readRegularFile } from '../../common/node/read-file';
import { describeFsError } from '../dicom/fs-errors';
import { parseDicomBuffer } from '../dicom/parse';
import type { Credentials, PacsConnection } from './connections';
import { stowInstances } from './dicomweb-store';
import { DimseClient } from './dimse';
import { isUid } from '../../common/dicom-uid';
import { type PacsHint, PacsError } from './errors';

/** Files one send may name, folders walked included: more is a mistake (a whole disk), not a send. */
export const MAX_SEND_FILES = 10_000;
/** How deep a folder is walked. */
const MAX_DEPTH = 16;
/** One STOW-RS request or one association carries at most this many files and bytes, so memory stays bounded. */
const BATCH_FILES = 32;
/**
 * A STOW-RS request is answered whole: it carries about a hundredth of a send (one file for
 * up to 100, at most BATCH_FILES), so that progress moves and a stop waits for little.
 * C-STORE answers each file: its batches stay whole and stop after the file in flight.
 */
const STOW_STEPS = 100;
const BATCH_BYTES = 128 * 1024 * 1024;
/** Media Storage Directory (DICOMDIR): an index of files, not an object to store. */
const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';

export interface SendFileResult {
  file: string;
  sopInstanceUid: string | null;
  /** stored: the PACS said so; failed: named, and not stored (reason); skipped: found in a folder and not a DICOM object to send. */
  status: 'stored' | 'failed' | 'skipped';
  reason?: string;
  /** Failed because the send stopped before it (its reason is "not sent: " and the report's `stopped`). */
  notSent?: true;
}

export interface SendReport {
  pacs: string;
  protocol: 'STOW-RS' | 'C-STORE';
  stored: number;
  failed: number;
  skipped: number;
  files: SendFileResult[];
  /** Set when the connection failed and the rest was not sent. */
  stopped: string | null;
  /** What the user may change about why it stopped, for the CLI or the app to word. */
  stoppedHint: PacsHint | null;
  seconds: number;
}

export interface SendOptions {
  timeoutMs?: number;
  /** Aborts at once, the request in flight included (the CLI's Ctrl+C): what it carried is reported not sent. */
  signal?: AbortSignal;
  /** Stops after the file in flight (one STOW-RS request's files): each file sent is answered and reported. */
  stop?: AbortSignal;
  /** Files handled of the files found (sent and answered, or found unsendable), in order, after each. */
  onProgress?: (done: number, total: number) => void;
}

/** A file checked and ready to go: its bytes and the UIDs from its header. */
export interface OutgoingInstance {
  file: string;
  bytes: Buffer;
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/** What the PACS said of one instance: stored, or why not; `notSent`: a stop came before it was sent. */
export type InstanceOutcome = { stored: true; warning?: string } | { stored: false; reason: string; notSent?: true };

/**
 * The files to send: each path a regular file or a folder (walked, regular
 * files only). Symbolic links are refused: a link could point anywhere, and
 * the user can name the file it points to. Named files that cannot be sent
 * are failed; unusable files found in a folder are skipped.
 */
export function collectSendFiles(paths: string[]): { files: string[]; refused: SendFileResult[] } {
  const files: string[] = [];
  const refused: SendFileResult[] = [];
  const seen = new Set<string>();
  const tooMany = () => new PacsError(`more than ${MAX_SEND_FILES} files to send: name fewer files or a smaller folder.`);
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      refused.push({ file: dir, sopInstanceUid: null, status: 'failed', reason: `the folder cannot be read: ${describeFsError(err)}.` });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) refused.push({ file: full, sopInstanceUid: null, status: 'skipped', reason: 'a symbolic link: not followed.' });
      else if (entry.isDirectory()) {
        if (depth >= MAX_DEPTH) refused.push({ file: full, sopInstanceUid: null, status: 'skipped', reason: `more than ${MAX_DEPTH} folders deep: not walked.` });
        else walk(full, depth + 1);
      } else if (entry.isFile()) {
        if (files.length >= MAX_SEND_FILES) throw tooMany();
        files.push(full);
      } else refused.push({ file: full, sopInstanceUid: null, status: 'skipped', reason: 'not a regular file.' });
    }
  };
  for (const raw of paths) {
    const file = path.resolve(raw);
    if (seen.has(file)) continue;
    seen.add(file);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(file);
    } catch (err) {
      refused.push({ file, sopInstanceUid: null, status: 'failed', reason: `cannot be read: ${describeFsError(err)}.` });
      continue;
    }
    if (stat.isSymbolicLink()) refused.push({ file, sopInstanceUid: null, status: 'failed', reason: 'is a symbolic link: name the file it points to.' });
    else if (stat.isDirectory()) walk(file, 1);
    else if (stat.isFile()) {
      if (files.length >= MAX_SEND_FILES) throw tooMany();
      files.push(file);
    } else refused.push({ file, sopInstanceUid: null, status: 'failed', reason: 'is not a regular file.' });
  }
  return { files: [...new Set(files)], refused };
}

/** Reads one file as a Part 10 DICOM object (preamble, DICM, file meta), or says why it is not one. */
export function readOutgoing(file: string): OutgoingInstance | { reason: string; notDicom: boolean } {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, 'dicom');
  } catch (err) {
    return { reason: err instanceof FileReadError ? `it ${err.reason}` : `it cannot be read: ${describeFsError(err)}.`, notDicom: false };
  }
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') return { reason: 'not a DICOM Part 10 file (no "DICM" after the 128-byte preamble).', notDicom: true };
  let meta;
  try {
    meta = parseDicomBuffer(bytes, path.basename(file), { untilTag: 'x7fe00010' }).meta;
  } catch (err) {
    return { reason: `not a readable DICOM file (${errorMessage(err)}).`, notDicom: true };
  }
  if (meta.sopClassUid === DICOMDIR_CLASS) return { reason: 'a DICOMDIR (an index of files): send the files it lists.', notDicom: true };
  if (!isUid(meta.sopInstanceUid) || !isUid(meta.sopClassUid)) return { reason: 'its SOP Class or SOP Instance UID is missing or not a valid UID.', notDicom: false };
  return { file, bytes, sopClassUid: meta.sopClassUid, sopInstanceUid: meta.sopInstanceUid, transferSyntaxUid: meta.transferSyntaxUid };
}

/** Why a file was not sent: the reason the send stopped. */
function notSentReason(stopped: string | null): string {
  return stopped === 'cancelled' ? 'not sent: cancelled.' : `not sent: ${stopped}`;
}

/** Sends files and folders to a PACS; never throws for one file, only for a bad request (too many files). */
export async function sendFiles(connection: PacsConnection, credentials: Credentials | null, paths: string[], options: SendOptions = {}): Promise<SendReport> {
  const started = Date.now();
  const { files, refused } = collectSendFiles(paths);
  const named = new Set(paths.map((p) => path.resolve(p)));
  const results: SendFileResult[] = [...refused];
  const protocol = connection.kind === 'dicomweb' ? 'STOW-RS' : 'C-STORE';
  const dimse = connection.kind === 'dimse' ? new DimseClient(connection, { timeoutMs: options.timeoutMs }) : null;
  let stopped: string | null = null;
  let stoppedHint: PacsHint | null = null;
  let done = 0;
  let told = -1;
  const tell = () => {
    if (done === told) return;
    told = done;
    options.onProgress?.(done, files.length);
  };
  const stopRequested = () => options.signal?.aborted === true || options.stop?.aborted === true;
  const batchFiles = connection.kind === 'dicomweb' ? Math.min(BATCH_FILES, Math.max(1, Math.ceil(files.length / STOW_STEPS))) : BATCH_FILES;
  const bySop = new Map<string, string>();

  const sendBatch = async (batch: OutgoingInstance[]) => {
    let outcomes: Map<string, InstanceOutcome>;
    try {
      outcomes =
        connection.kind === 'dicomweb'
          ? await stowInstances(connection, credentials, batch, { timeoutMs: options.timeoutMs, signal: options.signal })
          : await dimse!.store(batch, options.signal, {
              stop: options.stop,
              onAnswer: () => {
                done++;
                tell();
              },
            });
    } catch (err) {
      if (!(err instanceof PacsError)) throw err;
      [stopped, stoppedHint] = [err.message, err.hint ?? null];
      for (const item of batch) results.push({ file: item.file, sopInstanceUid: item.sopInstanceUid, status: 'failed', reason: notSentReason(err.message), notSent: true });
      return;
    }
    for (const item of batch) {
      const outcome = outcomes.get(item.sopInstanceUid) ?? { stored: false, reason: 'the PACS did not report on it.' };
      if (!outcome.stored && outcome.notSent) stopped ??= 'cancelled';
      results.push(
        outcome.stored
          ? { file: item.file, sopInstanceUid: item.sopInstanceUid, status: 'stored', ...(outcome.warning ? { reason: outcome.warning } : {}) }
          : { file: item.file, sopInstanceUid: item.sopInstanceUid, status: 'failed', reason: outcome.reason, ...(outcome.notSent ? { notSent: true as const } : {}) },
      );
    }
    // C-STORE counted each answer as it came; a STOW-RS request is answered whole.
    if (connection.kind === 'dicomweb') done += batch.length;
    tell();
  };

  let batch: OutgoingInstance[] = [];
  let batchBytes = 0;
  for (const file of files) {
    if (stopRequested()) stopped ??= 'cancelled';
    if (stopped !== null) {
      results.push({ file, sopInstanceUid: null, status: 'failed', reason: notSentReason(stopped), notSent: true });
      continue;
    }
    const outgoing = readOutgoing(file);
    if ('reason' in outgoing) {
      results.push({ file, sopInstanceUid: null, status: outgoing.notDicom && !named.has(file) ? 'skipped' : 'failed', reason: outgoing.reason });
      done++;
      continue;
    }
    const twin = bySop.get(outgoing.sopInstanceUid);
    if (twin !== undefined) {
      results.push({ file, sopInstanceUid: outgoing.sopInstanceUid, status: 'failed', reason: `it has the SOP Instance UID of ${twin}, which is sent instead.` });
      done++;
      continue;
    }
    bySop.set(outgoing.sopInstanceUid, file);
    if (batch.length >= batchFiles || (batch.length > 0 && batchBytes + outgoing.bytes.length > BATCH_BYTES)) {
      await sendBatch(batch);
      batch = [];
      batchBytes = 0;
      if (stopped === null && stopRequested()) stopped = 'cancelled';
      if (stopped !== null) {
        results.push({ file, sopInstanceUid: outgoing.sopInstanceUid, status: 'failed', reason: notSentReason(stopped), notSent: true });
        continue;
      }
    }
    batch.push(outgoing);
    batchBytes += outgoing.bytes.length;
  }
  if (batch.length > 0 && stopped === null && stopRequested()) stopped = 'cancelled';
  if (batch.length > 0 && stopped === null) await sendBatch(batch);
  else for (const item of batch) results.push({ file: item.file, sopInstanceUid: item.sopInstanceUid, status: 'failed', reason: notSentReason(stopped), notSent: true });
  tell();

  const count = (status: SendFileResult['status']) => results.filter((r) => r.status === status).length;
  return {
    pacs: connection.name,
    protocol,
    stored: count('stored'),
    failed: count('failed'),
    skipped: count('skipped'),
    files: results,
    stopped,
    stoppedHint,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
