// Earlier versions of a model package. A package written over one of the same folder name
// (a training run that reuses a name) keeps the earlier package: it moves to
// `<name>.versions/<hash12>/` beside the folder, unchanged (its content hash still matches),
// and the new package takes the name. Nothing trained is lost unless a user deletes a version.
//
// The move is two renames on one disk: the earlier package into the versions folder, then the
// complete new one (its `.partial-` temp folder) under the name. A process killed between them
// leaves the earlier package whole in the versions folder and the new one whole in its temp
// folder; `recoverInterruptedVersion` (run by the package listing) puts the new one in place
// once its content hash checks out, so both are listed again.
import fs from 'node:fs';
import path from 'node:path';
import { assertInside, ensurePrivateDir, isRunning, moveIfFree, pathInside, swapIn, syncDir, UnsafePathError } from '../../common/node/safe-fs';
import { readRegularText } from '../../common/node/read-file';

/** The suffix of the folder beside a package that holds its earlier versions. */
export const VERSIONS_SUFFIX = '.versions';
const METADATA = 'metadata.json';

/** The folder that holds the earlier versions of the package at `dir`. */
export function versionsDirOf(dir: string): string {
  return `${path.resolve(dir)}${VERSIONS_SUFFIX}`;
}

/** The package folder name a versions folder belongs to, or null when `name` is not one. */
export function versionsOwner(name: string): string | null {
  return name.endsWith(VERSIONS_SUFFIX) && name.length > VERSIONS_SUFFIX.length ? name.slice(0, -VERSIONS_SUFFIX.length) : null;
}

/** The content hash a package folder's metadata.json states, or null when it states none readable (checked on load, not here). */
function statedHash(dir: string): string | null {
  try {
    const raw = JSON.parse(readRegularText(path.join(dir, METADATA), 'json')) as { contentHash?: unknown };
    return typeof raw.contentHash === 'string' && /^[0-9a-f]{64}$/.test(raw.contentHash) ? raw.contentHash : null;
  } catch {
    return null;
  }
}


/**
 * Moves the complete package folder `temp` to `target` (both in `parent`); a package already at
 * `target` is first moved, unchanged, into `target`'s versions folder under its hash's first 12
 * digits. Returns where the earlier package went, or null when there was none. A folder at
 * `target` that is not a package is refused before anything moves.
 */
export function placeKeepingEarlier(parent: string, temp: string, target: string): string | null {
  const existing = moveIfFree(parent, temp, target);
  if (!existing) return null;
  if (!existing.isDirectory() || !fs.existsSync(path.join(target, METADATA))) {
    throw new UnsafePathError(`Refusing to replace ${target}: it is not a model package (no ${METADATA}). Choose another folder, or move it away first.`);
  }
  const versions = versionsDirOf(target);
  assertInside(parent, versions, 'write an earlier version to');
  ensurePrivateDir(versions, { tighten: false });
  const base = (statedHash(target) ?? 'unknown').slice(0, 12);
  let name = base;
  for (let i = 2; fs.existsSync(path.join(versions, name)); i++) name = `${base}-${i}`;
  const earlier = pathInside(versions, name, 'keep an earlier version as');
  fs.renameSync(target, earlier);
  syncDir(versions);
  swapIn(temp, target, earlier);
  return earlier;
}

/**
 * After a process died between the two renames of placeKeepingEarlier: `<name>` is missing, its
 * versions folder exists, and `<name>.partial-<pid>-<hex>` of a process that is gone holds a
 * package. `loads` says whether that folder is a whole package (its content hash checks out);
 * if so it is put under the name. Returns the names put back.
 */
export async function recoverInterruptedVersion(parent: string, loads: (dir: string) => Promise<boolean>): Promise<string[]> {
  const recovered: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return recovered;
  }
  for (const name of names) {
    const m = /^(.+)\.partial-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || isRunning(Number(m[2]))) continue;
    const target = path.join(parent, m[1]);
    if (fs.existsSync(target) || !fs.existsSync(versionsDirOf(target))) continue;
    const temp = path.join(parent, name);
    if (!(await loads(temp))) continue;
    assertInside(parent, temp, 'move');
    fs.renameSync(temp, target);
    syncDir(parent);
    recovered.push(m[1]);
  }
  return recovered;
}

/** The suffix of the folder `lumen train --out <name>` keeps beside a package to resume from. */
export const CHECKPOINT_SUFFIX = '.checkpoint';

/** The package folder name an interrupted run's checkpoint folder belongs to, or null when `name` is not one. */
export function checkpointOwner(name: string): string | null {
  return name.endsWith(CHECKPOINT_SUFFIX) && name.length > CHECKPOINT_SUFFIX.length ? name.slice(0, -CHECKPOINT_SUFFIX.length) : null;
}

/** The report a training run writes beside its package folder (an earlier version's moves with it). */
export function reportOf(dir: string): string {
  return `${path.resolve(dir)}.report.html`;
}
