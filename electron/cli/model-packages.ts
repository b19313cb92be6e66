// `lumen models packages` and `lumen models show <package>`: the installed model packages (the
// folders under <data folder>/models the app's model panel lists), each with its training
// domain in one line, and one package's full record. The words are models/package/domain.ts's
// (domainSummary, describeDomain): the same the model panel and the model card show.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultDataDir } from '../library/paths';
import { checkUserPath } from '../../common/node/user-path';
import { errorMessage } from '../../common/errors';
import { describeDomain, domainSummary } from '../../models/package/domain';
import type { PackageMetadata } from '../../models/package';
import { CliError, printJson } from './command';

/** What both commands print of a package (--json). */
function record(p: { dir: string; metadata: PackageMetadata }) {
  const m = p.metadata;
  return {
    name: m.name, dir: p.dir, contentHash: m.contentHash, variant: m.variant, inputSize: m.inputSize, classNames: m.classNames,
    createdAt: m.provenance.createdAt, seriesHead: m.seriesHead !== undefined,
    domainSummary: domainSummary(m.domain), trainingDomain: describeDomain(m.domain), domain: m.domain ?? null,
  };
}

/** `lumen models packages [--json]`: every installed package, one line each with its training domain; folders that are not packages with why. */
export async function listInstalled(json: boolean): Promise<number> {
  const { listPackages, packagesDir } = await import('../engine/predict/packages');
  const dataDir = defaultDataDir();
  const { packages, problems } = await listPackages(dataDir);
  if (json) {
    printJson({ packagesDir: packagesDir(dataDir), packages: packages.map((p) => record({ dir: p.dir, metadata: p.loaded.metadata })), problems });
    return 0;
  }
  if (packages.length === 0 && problems.length === 0) {
    process.stdout.write(`No model packages in ${packagesDir(dataDir)}. Train one (lumen train --out ${path.join(packagesDir(dataDir), '<name>')}) or copy a package folder there.\n`);
    return 0;
  }
  const lines = packages.map((p) => `${p.name}  #${p.contentHash.slice(0, 12)}  ${p.variant} ${p.inputSize}px  ${p.classNames.length} classes  ${domainSummary(p.loaded.metadata.domain)}`);
  for (const p of problems) lines.push(`not a usable package: ${p.message}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/** `lumen models show <package> [--json]`: a package folder, or an installed package's name or content-hash prefix. */
export async function showPackage(which: string | undefined, json: boolean): Promise<number> {
  if (!which) throw new CliError('name the package: lumen models show <folder | name | content-hash prefix>', 2);
  const { listPackages } = await import('../engine/predict/packages');
  const { loadPackage } = await import('../../models/package');
  let found: { dir: string; metadata: PackageMetadata };
  if (which.includes('/') || which.includes(path.sep) || (existsSync(which) && statSync(which).isDirectory())) {
    const dir = checkUserPath(which, 'folder', 'the package');
    try {
      const loaded = await loadPackage(dir);
      found = { dir: loaded.dir, metadata: loaded.metadata };
    } catch (err) {
      throw new CliError(errorMessage(err));
    }
  } else {
    const { packages } = await listPackages(defaultDataDir());
    const key = which.toLowerCase();
    const matches = packages.filter((p) => p.name === which || (key.length >= 4 && /^[0-9a-f]+$/.test(key) && p.contentHash.startsWith(key)) || path.basename(p.dir) === which);
    if (matches.length === 0) throw new CliError(`No installed model package is named ${JSON.stringify(which)} or has a content hash starting with it: lumen models packages lists them.`);
    if (matches.length > 1) throw new CliError(`${matches.length} installed packages match ${JSON.stringify(which)} (${matches.map((p) => `#${p.contentHash.slice(0, 12)}`).join(', ')}): give more of the content hash.`);
    found = { dir: matches[0].dir, metadata: matches[0].loaded.metadata };
  }
  const r = record(found);
  if (json) {
    printJson(r);
    return 0;
  }
  process.stdout.write([
    `${r.name}  #${r.contentHash.slice(0, 12)}`,
    `${r.variant}, input ${r.inputSize}px, classes ${r.classNames.join(', ')}${r.seriesHead ? ', series head' : ''}; created ${r.createdAt}`,
    r.dir,
    '',
    'Training domain',
    ...r.trainingDomain,
  ].join('\n') + '\n');
  return 0;
}
