// Installed model packages: every folder under <dataDir>/models that loads
// as a package (verified: schema, files, content hash). Others are listed
// with the reason, so a user sees why a copied folder does not show up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, removeInside, tidyInterruptedWrites } from '../../../common/node/safe-fs';
import type { PackageInfo } from '../../../common/contract/models';
import { Library } from '../../library/library';
import { importPackageArchive, isUnfinishedPackage, loadPackage, PACKAGE_ARCHIVE_EXTENSION, recoverInterruptedVersion, versionsOwner, type LoadedPackage } from '../../../models/package';
import { errorMessage } from '../../../common/errors';
import { describeDomain, domainSummary } from '../../../models/package/domain';

export function packagesDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export async function listPackages(dataDir: string): Promise<{ packages: (PackageInfo & { loaded: LoadedPackage })[]; problems: { dir: string; message: string }[] }> {
  const root = packagesDir(dataDir);
  const packages: (PackageInfo & { loaded: LoadedPackage })[] = [];
  const problems: { dir: string; message: string }[] = [];
  if (!existsSync(root)) return { packages, problems };
  // A run killed between the two renames that keep an earlier version: its whole new package goes under the name.
  await recoverInterruptedVersion(root, (dir) => loadPackage(dir).then(() => true, () => false));
  // A write killed mid-way leaves temp or old folders: tidy them so the list shows packages only.
  tidyInterruptedWrites(root);
  const earlier: (PackageInfo & { loaded: LoadedPackage })[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (isUnfinishedPackage(name) || !statSync(dir).isDirectory()) continue;
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
  return { packages: [...packages, ...earlier], problems };
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

/** Unpacks a .lumenpkg into the packages folder under a free name derived from the file's. */
export async function importPackage(dataDir: string, file: string): Promise<PackageInfo> {
  if (!file.toLowerCase().endsWith(PACKAGE_ARCHIVE_EXTENSION)) {
    throw new Error(`${file} is not a model package archive (${PACKAGE_ARCHIVE_EXTENSION}). Export one with "lumen export package", or copy a package folder into ${packagesDir(dataDir)}.`);
  }
  const base = path.basename(file).slice(0, -PACKAGE_ARCHIVE_EXTENSION.length).replace(/[^\w.-]+/g, '_') || 'package';
  ensurePrivateDir(packagesDir(dataDir));
  let dest = path.join(packagesDir(dataDir), base);
  for (let i = 2; existsSync(dest); i++) dest = path.join(packagesDir(dataDir), `${base}-${i}`);
  const { packages } = await listPackages(dataDir);
  const imported = info(await importPackageArchive(file, dest));
  const same = packages.find((p) => p.contentHash === imported.contentHash);
  if (same) {
    removeInside(packagesDir(dataDir), dest);
    throw new Error(`This package (#${imported.contentHash.slice(0, 12)}, "${imported.name}") is already installed in ${same.dir}.`);
  }
  Library.audit(path.join(dataDir, 'library'), 'package.import', { packageHash: imported.contentHash, variant: imported.variant, touched: { files: [path.resolve(file), imported.dir] } });
  return imported;
}
