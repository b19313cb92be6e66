// Installed model packages: every folder under <dataDir>/models that loads
// as a package (verified: schema, files, content hash). Others are listed
// with the reason, so a user sees why a copied folder does not show up.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PackageInfo } from '../../../common/contract/models';
import { loadPackage, type LoadedPackage } from '../../../models/package';

export function packagesDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

export async function listPackages(dataDir: string): Promise<{ packages: (PackageInfo & { loaded: LoadedPackage })[]; problems: { dir: string; message: string }[] }> {
  const root = packagesDir(dataDir);
  const packages: (PackageInfo & { loaded: LoadedPackage })[] = [];
  const problems: { dir: string; message: string }[] = [];
  if (!existsSync(root)) return { packages, problems };
  for (const name of readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (name.includes('.partial-') || !statSync(dir).isDirectory()) continue;
    try {
      const loaded = await loadPackage(dir);
      const m = loaded.metadata;
      packages.push({
        name: m.name,
        dir,
        variant: m.variant,
        inputSize: m.inputSize,
        classNames: m.classNames,
        task: m.task,
        contentHash: m.contentHash,
        createdAt: m.provenance.createdAt,
        ...(m.metrics ? { metrics: m.metrics } : {}),
        loaded,
      });
    } catch (err) {
      problems.push({ dir, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { packages, problems };
}

export async function findPackage(dataDir: string, hash: string): Promise<LoadedPackage> {
  const { packages } = await listPackages(dataDir);
  const found = packages.find((p) => p.contentHash === hash);
  if (!found) throw new Error(`No installed model package has content hash ${hash.slice(0, 12)}…; it was removed or changed. Reopen the model panel.`);
  return found.loaded;
}
