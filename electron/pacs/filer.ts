/**
 * Files instances a PACS sends (WADO-RS, C-GET, C-MOVE, or pushed to the
 * receiver) into the library: header checked, written whole into
 * <library>/pacs/<study>/<series>/ (a temporary file renamed into place:
 * nothing half-written), then imported in batches.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readRegularFile } from '../../common/node/read-file';
import { errorMessage } from '../../common/errors';
import { assertInside, ensurePrivateDir, isRunning, pathInside, removeInside, writeFileAtomic } from '../../common/node/safe-fs';
import { describeFsError } from '../dicom/fs-errors';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { type InstanceMeta, parseDicomBuffer } from '../dicom/parse';
import type { Library } from '../library/library';
import { isLibraryUid } from '../../common/dicom-uid';
import type { InstanceRef } from './query';
import { countOf } from '../../common/counts';
import { isThisProcess, ownerRuns, ownerText, parseOwner, thisProcess } from './owner';

/** The library's folder for instances still arriving (WADO-RS streams each into a temporary file there). */
const INCOMING = 'pacs-incoming';
/**
 * The library's folder of instances written into pacs/ and not imported yet: an empty marker
 * <study>/<series>/<sop> per instance, made before the sender is answered and removed once the
 * import took the instance in or refused it. A Lumen stopped between (killed, a crash) leaves the
 * markers; fileLeftovers files what they name. Only these: the files of a study the user removed
 * stay in pacs/ by design and must not come back. Each marker records the process that made it
 * (owner.ts; an empty one, made before markers did, names none): a receiver or retrieve that
 * still runs is still filing it, and fileLeftovers leaves it alone.
 */
const PENDING = 'pacs-pending';
/** A temporary file of openIncoming: `<pid>-<16 hex>.part`, directly in INCOMING. */
const PART_NAME = /^(\d{1,10})-[0-9a-f]{16}\.part$/;
/** A marker's temporary file (writeFileAtomic: `<sop>.<pid>-<8 hex>.tmp`), left only by a process killed while it wrote the marker. */
const MARKER_TEMP_NAME = /^[0-9.]{1,64}\.(\d{1,10})-[0-9a-f]{8}\.tmp$/;
/**
 * The markers (resolved paths) this process made or is filing and has not cleared: the
 * instances its receivers and retrieves are still filing. Another process's live markers are
 * known by their owner (owner.ts); this process's own by this set, so that what an earlier
 * receiver of the same app left (a batch the library could not import) is filed at the next start.
 */
const markersInFlight = new Set<string>();
/** What is read of a temporary instance to check its header; a longer header is read whole. */
const HEADER_PREFIX = 1024 * 1024;

/** The header (up to the pixel data) of the instance in `file`: its first MiB, or all of it when the header runs past that. */
function headerOf(file: string): InstanceMeta {
  const fd = fs.openSync(file, 'r');
  let prefix: Buffer;
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    prefix = Buffer.alloc(Math.min(size, HEADER_PREFIX));
    fs.readSync(fd, prefix, 0, prefix.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  try {
    return parseDicomBuffer(prefix, 'instance from the PACS', { untilTag: 'x7fe00010' }).meta;
  } catch (err) {
    if (size <= HEADER_PREFIX) throw err;
    return parseDicomBuffer(readRegularFile(file, 'dicom'), 'instance from the PACS', { untilTag: 'x7fe00010' }).meta;
  }
}

/** Instances written before they are imported together (the library shows the study growing in steps of this). */
const IMPORT_BATCH = 32;
const MAX_ERRORS = 100;
/** Files of an earlier receiver's or retrieve's imported at once when a later one starts (fileLeftovers). */
const LEFTOVER_BATCH = 500;
/** Entries of pacs/ (folders and files) fileLeftovers looks at, at most (each a name and a lookup); past it `lumen import` of pacs/ files the rest. */
const MAX_LEFTOVER_ENTRIES = 1_000_000;

export interface RetrieveTarget {
  studyUid: string;
  seriesUid?: string;
}

/** One instance that was not filed, and why. */
export interface FilingError {
  sopInstanceUid: string | null;
  reason: string;
}

/** Writes received instances into the library's pacs/ folder and imports them in batches. Without a target (the receiver), any study is filed. */
export class InstanceFiler {
  readonly root: string;
  received = 0;
  /** The images (frames) the received instances hold, as the study list counts them. */
  receivedImages = 0;
  /** Of `received`, the result documents (SR, Parametric Map), which hold no image: said apart (common/retrieve-summary.ts). */
  receivedResults = 0;
  failed = 0;
  /** Listed instances a retrieve did not fetch because it stopped first: not failed, to fetch by running it again. */
  notFetched = 0;
  /** Instances refused because the retrieve's listing did not name them (onlyListed). */
  unlisted = 0;
  readonly errors: FilingError[] = [];
  /** Whether the last instance could not be written because the library's disk is full or read-only. */
  noRoom = false;
  private queue: string[] = [];
  /** SOP Instance UIDs written and then refused by the library's import, until the receiver takes them (takeRefused). */
  private readonly refusedSops = new Set<string>();
  /** The SOP Instance UIDs a retrieve listed and has not filed yet (onlyListed); undefined: any instance of the target. */
  private listed?: Set<string>;

  constructor(
    private readonly library: Library,
    private readonly target?: RetrieveTarget,
  ) {
    this.root = path.join(library.dir, 'pacs');
  }

  /**
   * Files only these instances (what the PACS listed for a retrieve), each once: a PACS that sends
   * more on a C-GET or C-MOVE, without end, would otherwise fill the disk with the study.
   */
  onlyListed(sopInstanceUids: Iterable<string>): void {
    this.listed = new Set(sopInstanceUids);
  }

  /**
   * Which of these SOP Instance UIDs the library's import refused, for the receiver's count:
   * the library may hold another image under the same UID (T-6), so holding the UID does not say
   * the instance received was filed. Forgotten once taken.
   */
  takeRefused(sopInstanceUids: Iterable<string>): Set<string> {
    const refused = new Set<string>();
    for (const uid of sopInstanceUids) if (this.refusedSops.delete(uid)) refused.add(uid);
    return refused;
  }

  fail(sopInstanceUid: string | null, reason: string): void {
    this.failed++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ sopInstanceUid, reason });
  }

  /** Checks and writes one instance (it is in the library after the next flush); false, counted as failed, when it cannot be filed. */
  async file(bytes: Uint8Array, expected?: InstanceRef): Promise<boolean> {
    return this.place(() => parseDicomBuffer(bytes, 'instance from the PACS', { untilTag: 'x7fe00010' }).meta, expected, (file) => writeFileAtomic(file, bytes));
  }

  /**
   * A new temporary file for one instance as it arrives (WADO-RS), in the library's own
   * `pacs-incoming/` folder (0700; the file 0600, created here, never an existing one), on the
   * library's file system so that filing it is a rename. `fileTemp` files it or removes it.
   */
  openIncoming(): { file: string; fd: number } {
    const dir = pathInside(this.library.dir, INCOMING);
    ensurePrivateDir(dir);
    const file = pathInside(dir, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
    const fd = fs.openSync(file, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    return { file, fd };
  }

  /**
   * Checks the instance in `temp` (from openIncoming, written and closed) as `file` checks bytes,
   * reading only its header, and renames it into place; the temporary file is gone either way.
   */
  async fileTemp(temp: string, expected?: InstanceRef): Promise<boolean> {
    const incoming = pathInside(this.library.dir, INCOMING);
    try {
      return await this.place(() => headerOf(temp), expected, (file) => {
        // Flushed before the rename, as writeFileAtomic does: a crash leaves the old state or the new.
        const fd = fs.openSync(temp, 'r+');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(assertInside(incoming, temp), file);
      });
    } finally {
      removeInside(incoming, temp);
    }
  }

  /**
   * Why an instance could not be written into the library folder (no final stop), in words; a full or
   * read-only disk sets noRoom: out of resources, not a bad instance, so a receiver answers 0xA700 and
   * the sender may try again later.
   */
  writeProblem(err: unknown): string {
    const disk = describeDiskProblem(err, this.root);
    this.noRoom = disk !== null;
    return disk ? `cannot write it into the library folder ${this.root}: ${disk}. Free space on that disk, then fetch or send it again` : `cannot write it into the library folder: ${describeFsError(err)}`;
  }

  /** Removes a temporary file from openIncoming that will not be filed (its retrieve failed). */
  discardIncoming(temp: string): void {
    removeInside(pathInside(this.library.dir, INCOMING), temp);
  }

  /** The shared checks of file and fileTemp: header read by `read`, UIDs matched, then `write` to its place. */
  private async place(read: () => InstanceMeta, expected: InstanceRef | undefined, write: (file: string) => void): Promise<boolean> {
    let meta;
    try {
      meta = read();
    } catch (err) {
      this.fail(expected?.sopInstanceUid ?? null, `the PACS sent something that is not a readable DICOM file (${errorMessage(err)}).`);
      return false;
    }
    const { sopInstanceUid: sop, seriesInstanceUid: series, studyInstanceUid: study } = meta;
    const mismatch =
      // Filed as the importer files a local file: a vendor's leading zeros are kept (common/dicom-uid.ts).
      !isLibraryUid(sop) || !isLibraryUid(series) || !isLibraryUid(study)
        ? 'its UIDs are not valid DICOM UIDs'
        : this.target && (study !== this.target.studyUid || (this.target.seriesUid !== undefined && series !== this.target.seriesUid))
          ? 'it belongs to another study or series than the one asked for'
          : expected && expected.sopInstanceUid !== sop
            ? 'it is another instance than the one asked for'
            : this.listed && !this.listed.has(sop)
              ? 'it is not one of the instances the PACS listed for this retrieve'
              : null;
    if (mismatch) {
      if (this.listed && isLibraryUid(sop) && !this.listed.has(sop) && !(expected && expected.sopInstanceUid !== sop)) this.unlisted++;
      this.fail(expected?.sopInstanceUid ?? (isLibraryUid(sop) ? sop : null), `the PACS sent an instance that was not filed: ${mismatch}.`);
      return false;
    }
    try {
      const seriesDir = pathInside(pathInside(this.root, study), series);
      ensurePrivateDir(seriesDir);
      const file = pathInside(seriesDir, `${sop}.dcm`);
      // The marker first: an instance in pacs/ without one is never taken for a leftover (a removed study's).
      // It names this process, written whole (a temporary file renamed): a reader never sees it half-made.
      const marker = pendingMarker(this.library.dir, study, series, sop);
      ensurePrivateDir(path.dirname(marker));
      markersInFlight.add(path.resolve(marker));
      try {
        writeFileAtomic(marker, ownerText(thisProcess()), { durable: false });
        write(file);
      } catch (err) {
        fs.rmSync(marker, { force: true });
        markersInFlight.delete(path.resolve(marker));
        throw err;
      }
      this.listed?.delete(sop);
      this.queue.push(file);
    } catch (err) {
      this.fail(sop, `${this.writeProblem(err)}.`);
      return false;
    }
    this.noRoom = false;
    // A batch the library could not import is counted as failed, with why, by importQueued.
    if (this.queue.length >= IMPORT_BATCH) await this.flush().catch(() => undefined);
    return true;
  }

  /**
   * Imports files already written into pacs/ (by a receiver or retrieve that stopped before its
   * import: fileLeftovers), in batches, counted and refused as the instances this filer writes.
   */
  async importWritten(files: readonly string[]): Promise<void> {
    for (let at = 0; at < files.length; at += LEFTOVER_BATCH) {
      this.queue.push(...files.slice(at, at + LEFTOVER_BATCH));
      await this.flush();
    }
  }

  /**
   * Instances the PACS listed that never came, with one line: not fetched where the retrieve
   * stopped first (the stop says why; running it again fetches them), else failed (the PACS did
   * not send them).
   */
  notSent(count: number, stopped: boolean): void {
    if (count <= 0) return;
    if (stopped) this.notFetched += count;
    else this.failed += count;
    const what = `${count} listed instance${count === 1 ? ' was' : 's were'}`;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ sopInstanceUid: null, reason: stopped ? `${what} not fetched before the retrieve stopped.` : `${what} not sent by the PACS.` });
  }

  private flushing: Promise<void> = Promise.resolve();

  /** Imports what was written, one import at a time; a file the importer refuses is removed and counted as failed. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.importQueued());
    // A batch that failed does not stop the next one.
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async importQueued(): Promise<void> {
    if (this.queue.length === 0) return;
    const files = this.queue;
    this.queue = [];
    let report: Awaited<ReturnType<Library['importPaths']>>;
    try {
      report = await this.library.importPaths(files);
    } catch (err) {
      // The files stay where they were written (the sender was told they were stored): said, with where.
      // Their markers stay too, no longer this filer's: the next start of a receiver or retrieve files them.
      for (const file of files) releasePendingMarker(this.library.dir, this.root, file);
      const where = [...new Set(files.map((f) => path.dirname(f)))];
      const why = errorMessage(err).replace(/\.$/, '');
      for (const file of files) this.fail(path.basename(file, '.dcm'), `the library could not import it (${why}); the file is kept in ${path.dirname(file)}, and \`lumen import\` of that folder takes it in.`);
      throw new Error(`${files.length === 1 ? '1 file' : `${files.length} files`} received could not be imported: ${why}. They are kept in ${where.join(', ')}.`, { cause: err });
    }
    // A file imported with other patient details than the library holds (conflict) is in, with a warning the study list shows.
    const refused = new Map(report.errors.filter((e) => e.kind !== 'conflict').map((e) => [path.resolve(e.file), e.reason]));
    const accepted: string[] = [];
    for (const file of files) {
      // Imported or refused: no longer pending (a batch the library could not import keeps its markers, above).
      clearPendingMarker(this.library.dir, this.root, file);
      const reason = refused.get(path.resolve(file));
      if (reason === undefined) {
        this.received++;
        accepted.push(path.basename(file, '.dcm'));
        continue;
      }
      removeInside(this.root, file);
      this.refusedSops.add(path.basename(file, '.dcm'));
      this.fail(path.basename(file, '.dcm'), `the library did not accept it: ${reason}`);
    }
    this.receivedImages += this.library.imagesOf(accepted);
    this.receivedResults += this.library.presentResults(accepted).size;
  }
}

/** The pending marker of one instance written into pacs/<study>/<series>/<sop>.dcm (see PENDING). */
function pendingMarker(libraryDir: string, study: string, series: string, sop: string): string {
  return pathInside(pathInside(pathInside(pathInside(libraryDir, PENDING), study), series), sop);
}

/** The marker of a file under pacs/, or null (a file elsewhere has none). */
function markerOf(libraryDir: string, pacsRoot: string, file: string): string | null {
  const rel = path.relative(pacsRoot, file).split(path.sep);
  if (rel.length !== 3 || !rel[2].endsWith('.dcm')) return null;
  return pendingMarker(libraryDir, rel[0], rel[1], rel[2].slice(0, -4));
}

/** Removes the marker of a file under pacs/ (a file elsewhere has none). */
function clearPendingMarker(libraryDir: string, pacsRoot: string, file: string): void {
  const marker = markerOf(libraryDir, pacsRoot, file);
  if (!marker) return;
  markersInFlight.delete(path.resolve(marker));
  try {
    fs.rmSync(marker, { force: true });
  } catch {
    // A marker that cannot be removed is looked at again at the next start, and found held.
  }
}

/** The marker of a file under pacs/ is no longer being filed by this process (it stays, for the next start). */
function releasePendingMarker(libraryDir: string, pacsRoot: string, file: string): void {
  const marker = markerOf(libraryDir, pacsRoot, file);
  if (marker) markersInFlight.delete(path.resolve(marker));
}

/**
 * Whether the marker `marker` (a regular file, by its directory entry) is still being filed: made
 * by a receiver or retrieve of another process that still runs, or by one of this process's
 * filers that has not cleared it. An empty marker (made before markers named their process) or
 * one that names no process is not: it is filed as before.
 */
function markerInFlight(marker: string): boolean {
  if (markersInFlight.has(path.resolve(marker))) return true;
  let text = '';
  let fd: number | undefined;
  try {
    // Never through a link, never waiting on a FIFO put in its place.
    fd = fs.openSync(marker, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return false;
    const buffer = Buffer.alloc(512);
    text = buffer.toString('latin1', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const owner = parseOwner(text);
  if (!owner) return false;
  // This process's own marker not in markersInFlight: no filer of its holds it any more.
  return !isThisProcess(owner) && ownerRuns(owner);
}

/** What fileLeftovers filed of the instances an earlier Lumen received but did not import. */
export interface LeftoverReport {
  /** Instances the library did not hold, found in pacs/ (within the bound). */
  found: number;
  /** Of `found`, those now in the library (images and result documents), and the images they hold. */
  filed: number;
  filedImages: number;
  /** Of `found`, those the library refused (removed from pacs/, as the receiver removes them), with why. */
  failed: number;
  errors: FilingError[];
  /** Why pacs/ was not looked at whole (a folder that cannot be read, the bound), or null. */
  incomplete: string | null;
  /** The folder looked at: <library>/pacs. */
  root: string;
}

/**
 * The instances a receiver or retrieve wrote into <library>/pacs/<study>/<series>/<sop>.dcm and
 * answered (or counted) as stored, but that the library does not hold: Lumen stopped (killed, a
 * crash, a power cut) before their batch was imported. A sender told Success will not send them
 * again, so each start of a receiver or retrieve files them. Only the files a pending marker
 * names (PENDING: folders named by UIDs, not links; the file itself regular, not a link): the files
 * of a study the user removed stay in pacs/ without one, and stay out. Bounded by
 * MAX_LEFTOVER_ENTRIES; refusals are counted with why, as the receiver counts them.
 */
export async function fileLeftovers(library: Library): Promise<LeftoverReport> {
  const root = path.join(library.dir, 'pacs');
  const pending = path.join(library.dir, PENDING);
  const report: LeftoverReport = { found: 0, filed: 0, filedImages: 0, failed: 0, errors: [], incomplete: null, root };
  let entries = 0;
  const list = (dir: string): fs.Dirent[] => {
    if (entries >= MAX_LEFTOVER_ENTRIES) return [];
    try {
      const found = fs.readdirSync(dir, { withFileTypes: true });
      entries += found.length;
      if (entries > MAX_LEFTOVER_ENTRIES) report.incomplete = `only the first ${MAX_LEFTOVER_ENTRIES} entries of ${pending} were looked at`;
      return found;
    } catch (err) {
      report.incomplete ??= `${dir} could not be read (${describeFsError(err)})`;
      return [];
    }
  };
  let top: fs.Stats;
  try {
    top = fs.lstatSync(pending);
  } catch {
    return report;
  }
  if (!top.isDirectory()) return report;
  // Each marker names the one file a filer wrote: pacs/<study>/<series>/<sop>.dcm, taken only as a regular file (never a link).
  const candidates: { file: string; sop: string }[] = [];
  const uidDirs = (dir: string) => list(dir).filter((e) => e.isDirectory() && isLibraryUid(e.name));
  for (const study of uidDirs(pending)) {
    for (const series of uidDirs(path.join(pending, study.name))) {
      for (const e of list(path.join(pending, study.name, series.name))) {
        const markerDir = path.join(pending, study.name, series.name);
        if (e.isFile() && !isLibraryUid(e.name)) {
          // A marker's temporary file whose process was killed while writing it (never a live one's).
          const temp = MARKER_TEMP_NAME.exec(e.name);
          if (temp && !isRunning(Number(temp[1]))) fs.rmSync(path.join(markerDir, e.name), { force: true });
          continue;
        }
        if (!e.isFile() || !isLibraryUid(e.name)) continue;
        // What a live receiver or retrieve is still filing is its own (it may not have written the file yet).
        if (markerInFlight(path.join(markerDir, e.name))) continue;
        const file = path.join(root, study.name, series.name, `${e.name}.dcm`);
        let regular = false;
        try {
          regular = fs.lstatSync(file).isFile();
        } catch {
          // gone: nothing to file
        }
        if (regular) candidates.push({ file, sop: e.name });
        else clearPendingMarker(library.dir, root, file);
      }
    }
  }
  // Held: an image or result document of that SOP Instance UID (at this path, or another: then this copy is not taken).
  const held = new Set<string>();
  for (let at = 0; at < candidates.length; at += LEFTOVER_BATCH) {
    const sops = candidates.slice(at, at + LEFTOVER_BATCH).map((c) => c.sop);
    for (const uid of library.presentInstances(sops)) held.add(uid);
    for (const uid of library.presentResults(sops)) held.add(uid);
  }
  for (const c of candidates) if (held.has(c.sop)) clearPendingMarker(library.dir, root, c.file);
  const missing = candidates.filter((c) => !held.has(c.sop));
  report.found = missing.length;
  if (missing.length === 0) return report;
  // Held by this process while it files them: another start of a receiver or retrieve in this process leaves them alone.
  const claimed = missing.map((c) => markerOf(library.dir, root, c.file)).filter((m): m is string => m !== null).map((m) => path.resolve(m));
  for (const m of claimed) markersInFlight.add(m);
  const filer = new InstanceFiler(library);
  try {
    await filer.importWritten(missing.map((c) => c.file));
  } catch {
    // A batch the library could not import is counted as failed, with why and where the files are kept (importQueued).
  } finally {
    for (const m of claimed) markersInFlight.delete(m);
  }
  report.filed = filer.received;
  report.filedImages = filer.receivedImages;
  report.failed = filer.failed;
  report.errors = filer.errors;
  return report;
}

/** fileLeftovers' report in one line, or null when it found nothing: "9 instances received before Lumen stopped were filed now." */
export function leftoversLine(report: LeftoverReport): string | null {
  if (report.found === 0 && report.incomplete === null) return null;
  const parts: string[] = [];
  if (report.found > 0) {
    const filed = report.filed > 0 ? `${countOf(report.filed, 'instance')} received before Lumen stopped ${report.filed === 1 ? 'was' : 'were'} filed now` : '';
    const failed = report.failed > 0 ? `${countOf(report.failed, 'instance')} received before Lumen stopped could not be filed: ${report.errors[0]?.reason.replace(/\.$/, '') ?? 'the library refused it'}` : '';
    parts.push([filed, failed].filter(Boolean).join('; '));
  }
  if (report.incomplete) parts.push(`${report.incomplete}, so instances received before Lumen stopped may be missing from the library; \`lumen import ${report.root}\` files them`);
  return `${parts.join('; ')}.`;
}

/**
 * Removes the temporary files (`<pid>-<16 hex>.part`, openIncoming) a receiver or retrieve left in
 * <library>/pacs-incoming/ when it was stopped (killed, a crash) while an instance arrived: each
 * may be a whole instance, and nothing else ever removes them. Only plain files of exactly that
 * name, directly in that folder (itself a real folder, not a link), whose process no longer runs
 * (process.kill(pid, 0): ESRCH); a live receiver's or retrieve's (another `lumen`, the app) stay.
 * Returns how many were removed; one that cannot be removed is tried again at the next start.
 */
export function removeStalePartials(libraryDir: string): number {
  const dir = path.join(libraryDir, INCOMING);
  let names: string[];
  try {
    if (!fs.lstatSync(dir).isDirectory()) return 0;
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = PART_NAME.exec(name);
    if (!m || isRunning(Number(m[1]))) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      assertInside(dir, file, 'delete');
      // unlink removes the name itself: never a link's target, never a folder.
      fs.unlinkSync(file);
      removed++;
    } catch {
      // gone meanwhile, or not ours to remove: looked at again at the next start
    }
  }
  return removed;
}

/** What removeStalePartials did, in one line, or null when it removed nothing. */
export function partialsLine(removed: number): string | null {
  return removed > 0 ? `Removed ${countOf(removed, 'partial file')} a stopped receiver or retrieve left.` : null;
}
