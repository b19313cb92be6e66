// Installed model packages: every folder under <dataDir>/models that loads
// as a package (verified: schema, files, content hash). Others are listed
// with the reason, so a user sees why a copied folder does not show up.
import { accessSync, constants as fsConstants, existsSync, lstatSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { assertInside, ensurePrivateDir, isRunning, pathInside, removeInside, syncDir, tidyInterruptedWrites, UnsafePathError, writeFileAtomic } from '../../../common/node/safe-fs';
import { readRegularText } from '../../../common/node/read-file';
import { describeFsError } from '../../../common/node/fs-errors';
import type { InterruptedRun, PackageInfo } from '../../../common/contract/models';
import { liveOwner, OWNER_FILE, thisProcess, type RunOwner } from '../../../common/node/run-owner';
import { sameSession } from '../app-session';
import { withInstallLock } from './install-lock';
import { Library } from '../../library/library';
import { checkpointOwner, importPackageArchive, isUnfinishedPackage, loadPackage, PACKAGE_ARCHIVE_EXTENSION, recoverInterruptedVersion, reportOf, versionsDirOf, versionsOwner, type LoadedPackage } from '../../../models/package';
import { errorMessage } from '../../../common/errors';
import { describeDomain, domainSummary } from '../../../models/package/domain';

export function packagesDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/**
 * Why no package can be installed in the data folder's models/ now (its disk is read-only, or
 * Lumen may not write there), in words to show; null when it can. The data folder may lie
 * elsewhere than the library, so this is asked of models/ (or, before it exists, the nearest
 * folder above it), not of the library's disk.
 */
export function packagesReadOnly(dataDir: string): string | null {
  const root = packagesDir(dataDir);
  let at = path.resolve(root);
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    accessSync(at, fsConstants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `the models folder ${root} is on a read-only disk`;
    if (code === 'EACCES' || code === 'EPERM') return `Lumen may not write in the models folder ${root} (permission denied)`;
    return null;
  }
}

export async function listPackages(dataDir: string): Promise<{ packages: (PackageInfo & { loaded: LoadedPackage })[]; problems: { dir: string; message: string }[]; interrupted: InterruptedRun[] }> {
  const root = packagesDir(dataDir);
  const packages: (PackageInfo & { loaded: LoadedPackage })[] = [];
  const problems: { dir: string; message: string }[] = [];
  const interrupted: InterruptedRun[] = [];
  if (!existsSync(root)) return { packages, problems, interrupted };
  // A run killed between the two renames that keep an earlier version: its whole new package goes under the name.
  await recoverInterruptedVersion(root, (dir) => loadPackage(dir).then(() => true, () => false));
  // A write killed mid-way leaves temp or old folders: tidy them so the list shows packages only.
  tidyInterruptedWrites(root);
  const earlier: (PackageInfo & { loaded: LoadedPackage })[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (isUnfinishedPackage(name) || !statSync(dir).isDirectory()) continue;
    // `lumen train --out models/<name>` stopped before it wrote the package: a run to resume, not a package.
    if (checkpointOwner(name) !== null && !existsSync(path.join(dir, 'metadata.json')) && existsSync(path.join(dir, RUN_JSON))) {
      interrupted.push(interruptedRun(root, name));
      continue;
    }
    const owner = versionsOwner(name);
    if (owner !== null && !existsSync(path.join(dir, 'metadata.json'))) {
      // Earlier versions of the package named `owner` (models/package/versions.ts).
      for (const version of readdirSync(dir).sort()) {
        const vdir = path.join(dir, version);
        if (!statSync(vdir).isDirectory()) continue;
        try {
          const loaded = await loadPackage(vdir);
          earlier.push({ ...info(loaded), earlierVersionOf: path.join(root, owner), loaded });
        } catch (err) {
          problems.push({ dir: vdir, message: errorMessage(err) });
        }
      }
      continue;
    }
    try {
      const loaded = await loadPackage(dir);
      packages.push({ ...info(loaded), loaded });
    } catch (err) {
      problems.push({ dir, message: errorMessage(err) });
    }
  }
  // Number each folder name's packages oldest first; the one under the name is the newest.
  for (const p of packages) {
    const mine = earlier.filter((e) => e.earlierVersionOf === p.dir).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (mine.length === 0) continue;
    mine.forEach((e, i) => (e.version = i + 1));
    p.version = mine.length + 1;
  }
  // Earlier versions whose newest is gone (deleted, or not loading) are numbered among themselves.
  for (const owner of new Set(earlier.filter((e) => e.version === undefined).map((e) => e.earlierVersionOf))) {
    earlier.filter((e) => e.earlierVersionOf === owner).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).forEach((e, i) => (e.version = i + 1));
  }
  // Newest first within a name, after the packages under their names.
  earlier.sort((a, b) => (a.earlierVersionOf ?? '').localeCompare(b.earlierVersionOf ?? '') || b.createdAt.localeCompare(a.createdAt));
  return { packages: [...packages, ...earlier], problems, interrupted };
}

const RUN_JSON = 'run.json';

/** What a checkpoint folder in models/ says of its run (run.json and state.json, hostile like any file: a field that does not read is left out). */
function interruptedRun(root: string, name: string): InterruptedRun {
  const dir = path.join(root, name);
  const read = (file: string): Record<string, unknown> => {
    try {
      const raw = JSON.parse(readRegularText(path.join(dir, file), 'json')) as unknown;
      return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const run = read(RUN_JSON);
  const owner = existsSync(path.join(dir, OWNER_FILE)) ? liveOwner(read(OWNER_FILE)) : null;
  const state = existsSync(path.join(dir, 'state.json')) ? read('state.json') : {};
  const epoch = Number.isInteger(state.epoch) && (state.epoch as number) >= 0 ? (state.epoch as number) : 0;
  const epochs = Number.isInteger(run.epochs) && (run.epochs as number) > 0 ? (run.epochs as number) : null;
  const out = path.join(root, checkpointOwner(name)!);
  return {
    dir,
    name: typeof run.name === 'string' ? run.name.slice(0, 200) : checkpointOwner(name)!,
    out,
    epoch,
    epochs,
    startedAt: typeof run.startedAt === 'string' ? run.startedAt.slice(0, 40) : null,
    resume: `run the same "lumen train … --out ${out}" command again: it resumes ${epoch > 0 ? `after epoch ${epoch}` : 'from the start'} (--no-resume starts over)`,
    discard: `lumen models delete ${name}`,
    running: owner !== null,
    ...(owner ? { pid: owner.pid } : {}),
  };
}

/** The versions of the package folder `dir` (its own package and its earlier ones), newest first. */
export function versionsOf<T extends PackageInfo>(packages: T[], dir: string): T[] {
  const resolved = path.resolve(dir);
  return packages.filter((p) => p.dir === resolved || p.earlierVersionOf === resolved).sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
}

export async function findPackage(dataDir: string, hash: string): Promise<LoadedPackage> {
  const { packages } = await listPackages(dataDir);
  const found = packages.find((p) => p.contentHash === hash);
  if (!found) throw new Error(`No installed model package has content hash ${hash.slice(0, 12)}…; it was removed or changed. Reopen the model panel.`);
  return found.loaded;
}

function info(loaded: LoadedPackage): PackageInfo {
  const m = loaded.metadata;
  return {
    name: m.name,
    dir: loaded.dir,
    variant: m.variant,
    inputSize: m.inputSize,
    classNames: m.classNames,
    task: m.task,
    contentHash: m.contentHash,
    createdAt: m.provenance.createdAt,
    ...(m.metrics ? { metrics: m.metrics } : {}),
    trainingDomain: describeDomain(m.domain),
    domainSummary: domainSummary(m.domain),
  };
}

/**
 * Unpacks a .lumenpkg into the packages folder under a free name derived from the file's
 * (`lesion`, else `lesion-2`, …); the returned `dir` says which. A name is taken atomically as
 * the verified package moves into place, so that two imports at once of files with the same name
 * (the CLI beside the app's Import) install both and replace nothing; a package installed already
 * (its content hash) is refused, checked under a lock across processes (install-lock.ts) so that
 * two imports at once of one package install it once. Once the package is in
 * place it stays installed: a failure to record the install in the library's audit log (a
 * library that will not open) is a note, not an error.
 */
export async function importPackage(dataDir: string, file: string): Promise<PackageInfo & { notes: string[] }> {
  if (!file.toLowerCase().endsWith(PACKAGE_ARCHIVE_EXTENSION)) {
    throw new Error(`${file} is not a model package archive (${PACKAGE_ARCHIVE_EXTENSION}). Export one with "lumen models export <name> --out <file.lumenpkg>" (or Export… in the Classifier panel), or copy a package folder into ${packagesDir(dataDir)}.`);
  }
  const named = path.basename(file).slice(0, -PACKAGE_ARCHIVE_EXTENSION.length).replace(/[^\w.-]+/g, '_');
  const base = named === '' || named === '.' || named === '..' ? 'package' : named;
  ensurePrivateDir(packagesDir(dataDir));
  // The check and the move under one lock across processes: two imports of one package at once
  // install it once, and the second is told it is installed (C, session 20). Unpacking, the slow
  // part, is done before, outside the lock.
  const admit = (verified: LoadedPackage, moveIn: () => string) =>
    withInstallLock(dataDir, async () => {
      const { packages } = await listPackages(dataDir);
      const hash = verified.metadata.contentHash;
      const same = packages.find((p) => p.contentHash === hash);
      if (same) throw new Error(`This package (#${hash.slice(0, 12)}, "${verified.metadata.name}") is already installed in ${same.dir}.`);
      return moveIn();
    });
  const imported = info(await importPackageArchive(file, path.join(packagesDir(dataDir), base), { numbered: true, admit }));
  let unaudited: string | null;
  try {
    unaudited = Library.audit(path.join(dataDir, 'library'), 'package.import', { packageHash: imported.contentHash, variant: imported.variant, touched: { files: [path.resolve(file), imported.dir] } });
  } catch (err) {
    unaudited = `The package was installed in ${imported.dir}, but the library's audit log could not record the install: ${errorMessage(err)}`;
  }
  return { ...imported, notes: unaudited ? [unaudited] : [] };
}

// Deleting. A package version, a whole package with its versions, or an interrupted run's
// checkpoint is first moved, whole and by rename, into <data folder>/deleted-packages/<id>/;
// deleting the newest version then renames the next newest (by date made) from <name>.versions/
// to the name, so the name runs that one. record.json says what is about to move, and where to,
// before anything does ('moving'), and is marked 'done' after the last rename: a process killed
// at any step leaves either a half-done entry, which the next engine to start (or purge) puts
// back as it was once that process has died, or a finished one that Undo puts back. Undo
// renames everything back. Undo lasts the app session (electron/engine/app-session.ts: the
// desktop app's main process, `lumen serve`), not the engine's: the record names the session,
// so an engine the app restarts after a crash keeps the entries. The app's engine removes its
// session's entries for good when the app closes, and those of sessions that ended (a crash)
// when it starts; the CLI removes its own right away, and only its own. Nothing is removed that
// does not lie inside models/ once symbolic links are resolved, and a symbolic link itself is
// refused, not followed. Entries are hostile like any file: deleted-packages/ itself, an entry
// or its record.json that is a symbolic link, or a record that does not read, is never
// followed; such an entry is stale unless a live process is still writing it. A FIFO, socket or
// device there is never opened (a FIFO blocks the opener until a writer comes), nor put back.

/** Where deleted packages wait, whole, until they are removed for good. */
export const DELETED_DIR = 'deleted-packages';
const RECORD_JSON = 'record.json';

export function deletedDir(dataDir: string): string {
  return path.join(dataDir, DELETED_DIR);
}

/** deleted-packages/, refused (UnsafePathError) when it is a symbolic link: Lumen never follows one out of it. */
function checkedTrash(dataDir: string, action: string): string {
  const trash = deletedDir(dataDir);
  if (isLink(trash)) throw new UnsafePathError(`Refusing to ${action}: ${trash} is a symbolic link, and Lumen keeps deleted packages only in a folder of its own. Remove the link; nothing was changed.`);
  return trash;
}

interface DeleteRecord {
  id: string;
  /** The engine process that moved the folders aside (`engine`: with its start time, so a reused pid is not taken for it). */
  pid: number;
  engine?: RunOwner;
  /**
   * 'moving' from before the first rename until the last is done, then 'done' (absent in records
   * of Lumen before it: they were written once all had moved). A 'moving' entry whose process
   * has died is rolled back; one whose process runs is left to it.
   */
  state?: 'moving' | 'done';
  /** What the delete said it did ("Deleted knee version 2 …"), shown again with Undo after a reload. */
  message?: string;
  /** The app session whose Undo it is (absent in records of Lumen before sessions: then `pid` decides). */
  session?: RunOwner;
  deletedAt: string;
  /** Paths relative to models/: what goes into the entry folder (as `to`), and what is renamed to the name (promoted), in the order they move. */
  moves: { from: string; to: string }[];
  promoted: { from: string; to: string }[];
}

export interface DeleteOutcome {
  undoId: string;
  message: string;
  removed: string[];
  promoted: { dir: string; contentHash: string } | null;
}

type Listed = Awaited<ReturnType<typeof listPackages>>;

/**
 * What deleting would remove, in words and paths (nothing moves): `dir` is a listed package
 * folder (an earlier version's too), or an interrupted run's checkpoint folder; `allVersions`
 * widens a package to its name with every version.
 */
export function planDelete(dataDir: string, listed: Listed, dir: string, options: { allVersions?: boolean } = {}): { what: string; hashes: string[]; moves: string[]; promote: { from: string; to: string; contentHash: string; version?: number } | null } {
  const root = packagesDir(dataDir);
  const resolved = path.resolve(dir);
  const run = listed.interrupted.find((r) => r.dir === resolved);
  if (run?.running) throw new Error(`${path.basename(run.dir)} is still being trained by process ${run.pid}: stop that run first (Ctrl+C in its terminal), then discard it.`);
  if (run) return { what: `the interrupted training run ${path.basename(run.dir)} (epoch ${run.epoch}${run.epochs ? ` of ${run.epochs}` : ''})`, hashes: [], moves: [run.dir], promote: null };
  const entry = listed.packages.find((p) => p.dir === resolved);
  const present = (p: string) => {
    try {
      lstatSync(p);
      return true;
    } catch {
      return false;
    }
  };
  // A folder the list shows as not a usable package (cut short, mismatched) goes as it is, by the name it is listed under.
  const broken = entry ? undefined : listed.problems.find((p) => path.resolve(p.dir) === resolved);
  if (broken) return { what: `the unusable folder ${relativeTo(root, resolved)}`, hashes: [], moves: [resolved, reportOf(resolved)].filter(present), promote: null };
  if (!entry) throw new Error(`${dir} is not an installed model package or an interrupted training run in ${root}: lumen models packages lists them.`);
  const owner = entry.earlierVersionOf ?? entry.dir;
  const label = (p: (typeof listed.packages)[number]) => `${path.basename(owner)} version ${p.version ?? 1} #${p.contentHash.slice(0, 12)}`;
  const versions = listed.packages.filter((p) => p.dir === owner || p.earlierVersionOf === owner);
  if (options.allVersions) {
    const moves = [owner, reportOf(owner), versionsDirOf(owner)].filter(present);
    return { what: `${path.basename(owner)} with all its versions (${versions.length})`, hashes: versions.map((p) => p.contentHash), moves, promote: null };
  }
  const moves = [entry.dir, reportOf(entry.dir)].filter(present);
  // The newest (under the name) goes: the next newest by date made takes the name.
  const next = entry.earlierVersionOf ? undefined : versions.filter((p) => p.earlierVersionOf === owner).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  return {
    what: label(entry),
    hashes: [entry.contentHash],
    moves,
    promote: next ? { from: next.dir, to: owner, contentHash: next.contentHash, version: next.version } : null,
  };
}

/** Refuses (UnsafePathError) a path to move aside that is a symbolic link or does not lie inside models/. */
function checkMovable(root: string, p: string): void {
  if (lstatSync(p).isSymbolicLink()) throw new UnsafePathError(`Refusing to delete ${p}: it is a symbolic link, and Lumen deletes only folders it wrote. Remove the link yourself if it should go.`);
  assertInside(root, p, 'delete');
}

function relativeTo(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/');
}

/** `rel` (as a record states it: one or two plain names) under `root`, refused unless each name is plain. */
function underRoot(root: string, rel: string): string {
  const parts = rel.split('/');
  if (parts.length < 1 || parts.length > 2) throw new UnsafePathError(`Refusing to use "${rel}": a deleted package's place is a name in ${root} or one folder below it.`);
  let p = root;
  for (const part of parts) p = pathInside(p, part, 'put back');
  return p;
}

/**
 * Deletes as planDelete plans: moves aside (one rename each, undone if a later one fails), then
 * promotes. `inUse` may refuse the content hashes concerned (a job running one of them).
 */
export async function deletePackage(dataDir: string, dir: string, options: { allVersions?: boolean; inUse?: (hashes: string[]) => string | null; session?: RunOwner } = {}): Promise<DeleteOutcome> {
  const root = packagesDir(dataDir);
  const listed = await listPackages(dataDir);
  const plan = planDelete(dataDir, listed, dir, options);
  const busy = options.inUse?.(plan.hashes);
  if (busy) throw new Error(`${plan.what} was not deleted: ${busy}. Delete it once that has finished.`);
  for (const p of plan.moves) checkMovable(root, p);
  if (plan.promote) checkMovable(root, plan.promote.from);

  const trash = checkedTrash(dataDir, `delete ${plan.what}`);
  const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const entry = pathInside(trash, id, 'move a deleted package into');
  try {
    ensurePrivateDir(entry);
  } catch (err) {
    throw new Error(`Cannot delete ${plan.what}: the folder deleted packages wait in for Undo, ${trash}, cannot be made (${describeFsError(err)}). Nothing was deleted.`);
  }
  const removedWords = plan.moves.map((p) => relativeTo(root, p)).join(', ');
  const message = `Deleted ${plan.what} (${removedWords}).${plan.promote ? ` ${path.basename(plan.promote.to)} now runs version ${plan.promote.version ?? 1} #${plan.promote.contentHash.slice(0, 12)}.` : ''}`;
  // Every step, planned before the first: the record says what is about to move before anything does.
  const moves = plan.moves.map((from, i) => ({ from, to: path.join(entry, String(i)) }));
  const promoted = plan.promote
    ? [[plan.promote.from, plan.promote.to], [reportOf(plan.promote.from), reportOf(plan.promote.to)]].filter(([from]) => existsSync(from)).map(([from, to]) => ({ from, to }))
    : [];
  const record: DeleteRecord = {
    id,
    pid: process.pid,
    engine: thisProcess(),
    session: options.session ?? thisProcess(),
    deletedAt: new Date().toISOString(),
    state: 'moving',
    message,
    moves: moves.map((m, i) => ({ from: relativeTo(root, m.from), to: String(i) })),
    promoted: promoted.map((m) => ({ from: relativeTo(root, m.from), to: relativeTo(root, m.to) })),
  };
  const recordFile = path.join(entry, RECORD_JSON);
  try {
    writeFileAtomic(recordFile, JSON.stringify(record, null, 2));
  } catch (err) {
    removeInside(trash, entry);
    throw new Error(`Cannot delete ${plan.what}: what is about to move cannot be written to ${recordFile} (${describeFsError(err)}). Nothing was deleted.`);
  }
  stepForTest();
  const done: { from: string; to: string }[] = [];
  try {
    for (const m of [...moves, ...promoted]) {
      move(m.from, m.to);
      done.push(m);
      stepForTest();
    }
    // Finished: from here on a crash leaves a deletion Undo puts back (before it, one rolled back).
    writeFileAtomic(recordFile, JSON.stringify({ ...record, state: 'done' }, null, 2));
    stepForTest();
  } catch (err) {
    for (const m of done.reverse()) renameSync(m.to, m.from);
    removeInside(trash, entry);
    throw err;
  }
  // A versions folder left empty goes (undo makes it again).
  const owner = plan.promote?.to ?? (listed.packages.find((p) => p.dir === path.resolve(dir))?.earlierVersionOf ?? path.resolve(dir));
  const versions = versionsDirOf(owner);
  try {
    if (readdirSync(versions).length === 0) rmdirSync(versions);
  } catch {
    // none, or not empty
  }
  syncDir(root);
  const promotedTo = plan.promote ? { dir: plan.promote.to, contentHash: plan.promote.contentHash } : null;
  return { undoId: id, message, removed: plan.moves, promoted: promotedTo };
}

let stepsForTest = 0;
/**
 * Tests only: LUMEN_TEST_DELETE_CRASH_AFTER=<n> kills this process (SIGKILL, as a crash would:
 * nothing after it runs) right after the n-th change a delete makes on disk (its record, each
 * rename, its record marked done), counted over the process's deletes, so a test can stop a
 * delete at every step.
 */
function stepForTest(): void {
  const after = Number(process.env.LUMEN_TEST_DELETE_CRASH_AFTER);
  if (Number.isInteger(after) && after > 0 && ++stepsForTest === after) process.kill(process.pid, 'SIGKILL');
}

function move(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') throw new Error(`Cannot delete ${from}: the models folder is on another disk than ${path.dirname(path.dirname(to))}, so it cannot be moved aside to be undone. Nothing was deleted.`);
    throw new Error(`Cannot delete ${from}: ${describeFsError(err)}. Nothing was deleted.`);
  }
}

/**
 * The record of entry folder `entry` (in deleted-packages/), read as hostile input: refused when
 * the entry or its record.json is a symbolic link (never followed), or the record does not say
 * what was deleted.
 */
function readRecord(entry: string): DeleteRecord {
  const file = path.join(entry, RECORD_JSON);
  for (const p of [entry, file]) {
    if (lstatSync(p).isSymbolicLink()) throw new UnsafePathError(`Refusing to read ${file}: ${p} is a symbolic link, and Lumen follows none in ${path.dirname(entry)}.`);
  }
  let raw: DeleteRecord;
  try {
    raw = JSON.parse(readRegularText(file, 'json')) as DeleteRecord;
  } catch (err) {
    throw new Error(`${file} does not say what was deleted (${errorMessage(err)}).`);
  }
  const pairs = (v: unknown) => Array.isArray(v) && v.every((m) => m && typeof m.from === 'string' && typeof m.to === 'string');
  if (!raw || typeof raw.id !== 'string' || !Number.isInteger(raw.pid) || !pairs(raw.moves) || !pairs(raw.promoted) || (raw.state !== undefined && raw.state !== 'moving' && raw.state !== 'done')) throw new Error(`${file} does not say what was deleted.`);
  return { ...raw, message: typeof raw.message === 'string' ? raw.message.slice(0, 2000) : undefined };
}

/** Puts back what deletePackage moved aside under `undoId`; refuses, moving nothing, when a name is taken meanwhile. */
export function undoDelete(dataDir: string, undoId: string): { message: string; restored: string[] } {
  const root = packagesDir(dataDir);
  const trash = checkedTrash(dataDir, 'undo');
  const entry = pathInside(trash, undoId, 'undo');
  if (!existsSync(path.join(entry, RECORD_JSON)) && !isLink(entry) && !isLink(path.join(entry, RECORD_JSON))) throw new Error(`There is nothing to undo under ${undoId}: the deleted package was removed for good (the app that deleted it closed), or it was put back already.`);
  const record = readRecord(entry);
  if (record.state === 'moving') {
    const mover = moverOf(record);
    if (mover) throw new Error(`Cannot undo yet: process ${mover.pid} is still deleting ${record.moves.map((m) => m.from).join(', ')}. Undo once it has finished.`);
    return rollBack(root, trash, entry, record);
  }
  const promoted = record.promoted.map((m) => ({ from: underRoot(root, m.from), to: underRoot(root, m.to) }));
  const moves = record.moves.map((m) => ({ from: underRoot(root, m.from), to: pathInside(entry, m.to, 'put back') }));
  for (const m of promoted) if (!existsSync(m.to) || existsSync(m.from)) throw new Error(`Cannot undo: ${relativeTo(root, m.to)} changed since (a later deletion or training run). Nothing was put back.`);
  for (const m of moves) {
    if (!existsSync(m.to)) throw new Error(`Cannot undo: the deleted ${relativeTo(root, m.from)} is no longer in ${entry}. Nothing was put back.`);
    checkMovedAside(m.to);
    if (existsSync(m.from) && !promoted.some((p) => p.to === m.from)) throw new Error(`Cannot undo: ${m.from} holds something else now (a package trained or copied there since). Move it away, then undo again.`);
  }
  // A versions folder to put an earlier version back into must lie inside models/ (not be a link out of it).
  for (const m of [...promoted, ...moves]) {
    const parent = path.dirname(m.from);
    if (parent !== root && existsSync(parent)) assertInside(root, parent, 'put back into');
  }
  for (const m of [...promoted].reverse()) {
    ensurePrivateDir(path.dirname(m.from), { tighten: false });
    renameSync(m.to, m.from);
  }
  for (const m of moves) {
    ensurePrivateDir(path.dirname(m.from), { tighten: false });
    renameSync(m.to, m.from);
  }
  syncDir(root);
  removeInside(trash, entry);
  const back = promoted.find((m) => !m.from.endsWith('.report.html'));
  return { message: `Put back ${moves.map((m) => relativeTo(root, m.from)).join(', ')}${back ? `; the version that ran under the name in the meantime is again ${relativeTo(root, back.from)}` : ''}.`, restored: moves.map((m) => m.from) };
}

/**
 * Refuses (UnsafePathError) to put back `p`, in a deleted-packages/ entry, unless it is a folder or
 * a regular file (a package, its report) as Lumen moved it aside: a symbolic link is never
 * followed, and a FIFO, socket or device put there would stand in models/ as the package (a FIFO
 * blocks whatever opens it).
 */
function checkMovedAside(p: string): void {
  const stat = lstatSync(p);
  if (stat.isDirectory() || stat.isFile()) return;
  const what = stat.isSymbolicLink() ? 'a symbolic link' : stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a file or folder';
  throw new UnsafePathError(`Refusing to put back ${p}: it is ${what}, not the folder Lumen moved aside. Nothing was put back.`);
}

/** The live process still moving the folders of a 'moving' record, or null when it has died (this process is never one: its deletes do not yield half way). */
function moverOf(record: DeleteRecord): RunOwner | null {
  const engine = record.engine !== undefined ? liveOwner(record.engine) : isRunning(record.pid) ? { pid: record.pid, host: '' } : null;
  return engine && engine.pid !== process.pid ? engine : null;
}

/**
 * Puts back what a delete that died half way (its record still 'moving') had moved, in reverse
 * order, and removes its entry: each step is done when its destination holds it and its source
 * is free, else it had not happened. Refuses, moving nothing, when a name is taken meanwhile.
 */
function rollBack(root: string, trash: string, entry: string, record: DeleteRecord): { message: string; restored: string[] } {
  const promoted = record.promoted.map((m) => ({ from: underRoot(root, m.from), to: underRoot(root, m.to) }));
  const moves = record.moves.map((m) => ({ from: underRoot(root, m.from), to: pathInside(entry, m.to, 'put back') }));
  const present = (p: string) => existsSync(p) || isLink(p);
  const donePromoted = promoted.filter((m) => present(m.to) && !present(m.from));
  const doneMoves = moves.filter((m) => present(m.to));
  for (const m of doneMoves) {
    checkMovedAside(m.to);
    if (present(m.from) && !donePromoted.some((p) => p.to === m.from)) throw new Error(`Cannot put back the half-deleted ${relativeTo(root, m.from)}: ${m.from} holds something else now. Move it away; the deleted folder waits in ${entry}.`);
  }
  for (const m of [...promoted, ...moves]) {
    const parent = path.dirname(m.from);
    if (parent !== root && existsSync(parent)) assertInside(root, parent, 'put back into');
  }
  for (const m of [...donePromoted].reverse()) {
    ensurePrivateDir(path.dirname(m.from), { tighten: false });
    renameSync(m.to, m.from);
  }
  for (const m of [...doneMoves].reverse()) {
    ensurePrivateDir(path.dirname(m.from), { tighten: false });
    renameSync(m.to, m.from);
  }
  syncDir(root);
  removeInside(trash, entry);
  return { message: `Put back ${moves.map((m) => relativeTo(root, m.from)).join(', ')}, which a delete stopped half way had begun to move.`, restored: doneMoves.map((m) => m.from) };
}

/** Deletions of app session `session` that Undo can put back, newest first: their undo id, what the delete said, and when. */
export function listDeleted(dataDir: string, session: RunOwner): { undoId: string; message: string; deletedAt: string }[] {
  const trash = checkedTrash(dataDir, 'list deleted packages');
  let names: string[];
  try {
    names = readdirSync(trash);
  } catch {
    return [];
  }
  const out: { undoId: string; message: string; deletedAt: string }[] = [];
  for (const name of names) {
    if (!/^[0-9A-Za-z-]{1,80}$/.test(name)) continue;
    let record: DeleteRecord;
    try {
      record = readRecord(path.join(trash, name));
    } catch {
      continue;
    }
    if (record.state === 'moving' || record.session === undefined || !isSession(record.session, session)) continue;
    const deletedAt = typeof record.deletedAt === 'string' ? record.deletedAt.slice(0, 40) : '';
    out.push({ undoId: name, message: record.message ?? `Deleted ${record.moves.map((m) => m.from).join(', ')}.`, deletedAt });
  }
  return out.sort((a, b) => b.deletedAt.localeCompare(a.deletedAt)).slice(0, 100);
}

/**
 * Rolls back every delete that died half way (its record 'moving', its process gone): the
 * package is back where it was, as if the delete had not begun. One that cannot be put back (a
 * name taken meanwhile) stays whole in deleted-packages/ and is said in `problems`.
 */
export function recoverInterruptedDeletes(dataDir: string): { restored: string[]; problems: string[] } {
  const root = packagesDir(dataDir);
  const trash = checkedTrash(dataDir, 'put back half-deleted packages');
  const restored: string[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(trash);
  } catch {
    return { restored, problems };
  }
  for (const name of names) {
    const entry = path.join(trash, name);
    let record: DeleteRecord;
    try {
      record = readRecord(entry);
    } catch {
      continue;
    }
    if (record.state !== 'moving' || moverOf(record)) continue;
    try {
      restored.push(...rollBack(root, trash, entry, record).restored);
    } catch (err) {
      problems.push(errorMessage(err));
    }
  }
  return { restored, problems };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Removes for good what deletions moved aside: `which` one entry; those of app session `session`
 * ('mine': the app is closing); or those whose app session has ended ('stale': at an engine's
 * start). An entry whose record does not read (a symbolic link, malformed, or not yet written by
 * a delete under way: it holds nothing then, as the record is written before anything moves) is
 * stale unless the process its name holds still runs. A delete half done ('moving') is never
 * removed: put back once its process has died (recoverInterruptedDeletes), left alone while it
 * runs. A symbolic link is removed itself, never followed. Returns how many went.
 */
export function purgeDeleted(dataDir: string, which: 'mine' | 'stale' | { id: string }, session: RunOwner = thisProcess()): number {
  const trash = checkedTrash(dataDir, 'remove deleted packages');
  // A delete that died half way is put back first; one still under way (or that cannot be put back) is never removed.
  if (typeof which !== 'object') recoverInterruptedDeletes(dataDir);
  let names: string[];
  try {
    names = readdirSync(trash);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const entry = path.join(trash, name);
    let record: DeleteRecord | null = null;
    try {
      record = readRecord(entry);
    } catch {
      // unreadable: its name says which engine made it
    }
    const namedPid = Number(/-(\d+)-[0-9a-f]{8}$/.exec(name)?.[1] ?? NaN);
    if (record?.state === 'moving') continue;
    let take: boolean;
    if (typeof which === 'object') take = name === which.id;
    else if (which === 'mine') take = record ? (record.session !== undefined ? isSession(record.session, session) : record.pid === process.pid) : namedPid === process.pid;
    else take = record ? (record.session !== undefined ? liveOwner(record.session) === null : !isRunning(record.pid)) : !(Number.isInteger(namedPid) && namedPid > 0 && isRunning(namedPid));
    if (!take) continue;
    if (isLink(entry) || !lstatSync(entry).isDirectory()) unlinkSync(entry);
    else removeInside(trash, entry);
    removed++;
  }
  return removed;
}

/** Whether a record's session (hostile: any shape) is `session`. */
function isSession(recorded: unknown, session: RunOwner): boolean {
  const r = recorded as Partial<RunOwner> | null;
  return r !== null && typeof r === 'object' && typeof r.pid === 'number' && typeof r.host === 'string' && (r.started === undefined || typeof r.started === 'string') && sameSession(r as RunOwner, session);
}
