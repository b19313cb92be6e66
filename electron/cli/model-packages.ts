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
import { keyMetric, keyMetricText } from '../../common/package-versions';
import { versionsOwner } from '../../models/package/versions';

/** What both commands print of a package (--json). */
function record(p: { dir: string; metadata: PackageMetadata; version?: number; earlierVersionOf?: string }) {
  const m = p.metadata;
  return {
    name: m.name, dir: p.dir, contentHash: m.contentHash, variant: m.variant, inputSize: m.inputSize, classNames: m.classNames,
    createdAt: m.provenance.createdAt, seriesHead: m.seriesHead !== undefined,
    version: p.version ?? 1, earlierVersionOf: p.earlierVersionOf ?? null, keyMetric: keyMetric(m.metrics),
    domainSummary: domainSummary(m.domain), trainingDomain: describeDomain(m.domain), domain: m.domain ?? null,
  };
}

/** `lumen models packages [--json]`: every installed package, one line each with its training domain; folders that are not packages with why. */
export async function listInstalled(json: boolean): Promise<number> {
  const { listPackages, packagesDir } = await import('../engine/predict/packages');
  const dataDir = defaultDataDir();
  const { packages, problems, interrupted } = await listPackages(dataDir);
  if (json) {
    printJson({ packagesDir: packagesDir(dataDir), packages: packages.map((p) => record({ ...p, metadata: p.loaded.metadata })), problems, interrupted });
    return 0;
  }
  if (packages.length === 0 && problems.length === 0 && interrupted.length === 0) {
    process.stdout.write(`No model packages in ${packagesDir(dataDir)}. Train one (lumen train --out ${path.join(packagesDir(dataDir), '<name>')}) or copy a package folder there.\n`);
    return 0;
  }
  const lines: string[] = [];
  // The folder too where it is not the name: delete and versions take the folder name (F12).
  const line = (p: (typeof packages)[number]) => `${p.name}${path.basename(p.dir) === p.name ? '' : ` (folder ${path.basename(p.dir)})`}  #${p.contentHash.slice(0, 12)}  ${p.variant} ${p.inputSize}px  ${p.classNames.length} classes  ${domainSummary(p.loaded.metadata.domain)}`;
  for (const p of packages.filter((q) => !q.earlierVersionOf)) {
    const earlier = packages.filter((q) => q.earlierVersionOf === p.dir);
    lines.push(earlier.length ? `${line(p)}  (version ${p.version}; ${earlier.length} earlier: lumen models versions ${path.basename(p.dir)})` : line(p));
    for (const e of earlier) lines.push(`  version ${e.version}  ${versionLine(e)}${sameAs(packages, e)}`);
  }
  // Earlier versions whose newest package is gone or does not load.
  for (const e of packages.filter((q) => q.earlierVersionOf && !packages.some((p) => p.dir === q.earlierVersionOf))) lines.push(`${path.basename(e.earlierVersionOf!)} version ${e.version} (its newest is gone)  ${versionLine(e)}`);
  // `lumen train --out models/<name>` stopped before writing its package: its checkpoint, to resume from.
  for (const r of interrupted) {
    const done = `epoch ${r.epoch}${r.epochs ? ` of ${r.epochs}` : ''} done${r.startedAt ? `, started ${r.startedAt}` : ''}`;
    if (r.running) {
      lines.push(`training run ${path.basename(r.dir)}: ${r.name}, still training (process ${r.pid}), ${done}`);
      continue;
    }
    lines.push(`interrupted training run ${path.basename(r.dir)}: ${r.name}, ${done}`);
    lines.push(`  resume: ${r.resume}`);
    lines.push(`  discard: ${r.discard}`);
  }
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
    const { packages, problems } = await listPackages(defaultDataDir());
    const match = pickInstalled(packages, which, problems);
    found = { ...match, metadata: match.loaded.metadata };
  }
  const r = record(found);
  if (json) {
    printJson(r);
    return 0;
  }
  process.stdout.write([
    `${r.name}  #${r.contentHash.slice(0, 12)}`,
    `version ${r.version}${r.earlierVersionOf ? ` (an earlier version of ${r.earlierVersionOf})` : ''}`,
    `${r.variant}, input ${r.inputSize}px, classes ${r.classNames.join(', ')}${r.seriesHead ? ', series head' : ''}; created ${r.createdAt}`,
    r.dir,
    '',
    'Training domain',
    ...r.trainingDomain,
  ].join('\n') + '\n');
  return 0;
}

type Installed = Awaited<ReturnType<typeof import('../engine/predict/packages').listPackages>>['packages'][number];

/** "  (the same package as version 2)" where another of the name's versions holds this one's content hash (a folder copied by hand), else "". */
function sameAs(packages: Installed[], p: Installed): string {
  const copies = copiesOf(packages, p);
  return copies.length ? `  (the same package as ${copies.map((c) => `version ${c.version ?? 1}`).join(' and ')})` : '';
}

function versionLine(p: Installed): string {
  return `#${p.contentHash.slice(0, 12)}  ${p.createdAt}  ${keyMetricText(p.loaded.metadata.metrics)}  ${p.dir}`;
}

/**
 * An installed package by what a user types: `<name>` (the package now under that folder or
 * model name, never an earlier version), `<name>@<hash prefix>` (one of that name's versions),
 * or a content-hash prefix of at least 4 digits (any version). `problems`: the folders listed as
 * "not a usable package"; a name that matches none of the packages but one of those is refused
 * with why (made by a newer Lumen, a file missing), not as a name nothing has.
 */
export function pickInstalled(packages: Installed[], which: string, problems: { dir: string; message: string }[] = [], options: { copy?: 'current' | 'copy' } = {}): Installed {
  const at = which.lastIndexOf('@');
  const name = at > 0 ? which.slice(0, at) : which;
  const prefix = at > 0 ? which.slice(at + 1).toLowerCase() : null;
  const named = (p: Installed) => {
    const current = p.earlierVersionOf ?? p.dir;
    const owner = packages.find((q) => q.dir === current);
    return path.basename(current) === name || (owner ?? p).name === name;
  };
  let matches: Installed[];
  if (prefix !== null) {
    if (!/^[0-9a-f]{4,64}$/.test(prefix)) throw new CliError(`${JSON.stringify(which)}: after "@" give at least 4 hex digits of the version's content hash (lumen models versions ${name} lists them).`, 2);
    matches = packages.filter((p) => named(p) && p.contentHash.startsWith(prefix));
  } else {
    const key = which.toLowerCase();
    matches = packages.filter((p) => (!p.earlierVersionOf && (p.name === which || path.basename(p.dir) === which)) || (key.length >= 4 && /^[0-9a-f]+$/.test(key) && p.contentHash.startsWith(key)));
  }
  if (matches.length === 0) {
    const unusable = unusableNamed(problems, name, prefix);
    if (unusable) throw new CliError(`${JSON.stringify(which)} is installed but is not a usable package (lumen models packages lists it so): ${unusable.message}`);
  }
  if (matches.length === 0) throw new CliError(`No installed model package is named ${JSON.stringify(which)} or has a content hash starting with it: lumen models packages lists them${prefix !== null ? `, lumen models versions ${name} the versions of one` : ''}.`);
  if (matches.length > 1 && matches.every((p) => p.contentHash === matches[0].contentHash)) return pickCopy(matches, which, name, options.copy ?? 'current');
  if (matches.length > 1) throw new CliError(`${matches.length} installed packages match ${JSON.stringify(which)} (${matches.map((p) => `#${p.contentHash.slice(0, 12)}`).join(', ')}): give more of the content hash.`);
  return matches[0];
}

/** The folder a package's versions go by: the package under the name, or the one an earlier version belongs to. */
const ownerOf = (p: Installed) => p.earlierVersionOf ?? p.dir;

/**
 * Among folders that hold one package byte for byte (one content hash: the same files and
 * metadata, made at the same moment; a folder copied by hand), the one `which` means. Copies of
 * one name's versions are the same package: running any runs the same; 'current' takes the one
 * under the name (else the newest), 'copy' an earlier copy (delete: the name keeps its package,
 * one copy goes each time). Copies under different names are named apart (`name@hash`).
 */
function pickCopy(copies: Installed[], which: string, name: string, copy: 'current' | 'copy'): Installed {
  let owners = [...new Set(copies.map(ownerOf))];
  // A folder name is one folder: it goes before a model name that other folders' packages share.
  if (owners.length > 1 && owners.some((o) => path.basename(o) === name)) {
    owners = owners.filter((o) => path.basename(o) === name);
    copies = copies.filter((p) => owners.includes(ownerOf(p)));
  }
  if (owners.length > 1) {
    const names = owners.map((o) => path.basename(o)).sort();
    throw new CliError(`${JSON.stringify(which)} matches one package (#${copies[0].contentHash.slice(0, 12)}) copied into ${owners.length} folders, ${names.join(', ')}: name the folder you mean (${names.map((n) => `${n}@${copies[0].contentHash.slice(0, 8)}`).join(' or ')}).`);
  }
  const newestFirst = [...copies].sort((a, b) => (b.version ?? 1) - (a.version ?? 1));
  if (copy === 'copy') return newestFirst.find((p) => p.earlierVersionOf) ?? newestFirst[0];
  return newestFirst.find((p) => !p.earlierVersionOf) ?? newestFirst[0];
}

/** The other folders of the package `p` holds (one content hash) among its name's versions, by version number. */
export function copiesOf(packages: Installed[], p: Installed): Installed[] {
  return packages.filter((q) => q !== p && q.contentHash === p.contentHash && ownerOf(q) === ownerOf(p));
}

/**
 * The folder listed as "not a usable package" that `name` (with `prefix`, a version's hash prefix)
 * names: the folder models/<name> itself, or one of models/<name>.versions/ whose name (its
 * hash's first 12 digits) starts with the prefix.
 */
function unusableNamed(problems: { dir: string; message: string }[], name: string, prefix: string | null): { dir: string; message: string } | undefined {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) return undefined;
  const found = problems.filter((p) => {
    if (prefix === null) return path.basename(p.dir) === name && versionsOwner(path.basename(path.dirname(p.dir))) === null;
    return path.basename(path.dirname(p.dir)) === `${name}.versions` && path.basename(p.dir).toLowerCase().startsWith(prefix.slice(0, 12));
  });
  return found.length === 1 ? found[0] : undefined;
}

/** `lumen models versions <name> [--json]`: the versions of one package, newest first, with date, hash and key metric. */
export async function listVersions(which: string | undefined, json: boolean): Promise<number> {
  if (!which) throw new CliError('name the package: lumen models versions <name>', 2);
  const { listPackages, versionsOf } = await import('../engine/predict/packages');
  const { packages, problems } = await listPackages(defaultDataDir());
  const current = pickInstalled(packages, which, problems);
  const versions = versionsOf(packages, current.earlierVersionOf ?? current.dir);
  if (json) {
    printJson({ name: current.name, dir: current.earlierVersionOf ?? current.dir, versions: versions.map((p) => record({ ...p, metadata: p.loaded.metadata })) });
    return 0;
  }
  const lines = [`${current.name}: ${versions.length} ${versions.length === 1 ? 'version' : 'versions'}, newest first (run an earlier one with --model ${path.basename(current.earlierVersionOf ?? current.dir)}@<hash>)`];
  for (const v of versions) lines.push(`  version ${v.version ?? 1}${v.earlierVersionOf ? '' : ' (current)'}  ${versionLine(v)}${sameAs(packages, v)}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/**
 * Whether a --model (or --backbone) value is a path rather than a package name: it has a
 * separator or exists, or it could never be a name (empty, "-", a line break, longer than a
 * file name may be), so that the path checks refuse it in their words.
 */
export function isPathNotName(value: string): boolean {
  return value.includes('/') || value.includes(path.sep) || value === '' || value === '-' || /[\r\n]/.test(value) || value.length > 255 || existsSync(value);
}

/**
 * What `--model` of eval, predict, compare and suggest (or `--backbone` of train: `flag`) names: a
 * folder (as before), else an installed package by name, `name@<hash prefix>` or hash prefix
 * (pickInstalled). Returns the folder. Both kinds of error name `flag`.
 */
export async function modelFolder(model: string, flag = '--model'): Promise<string> {
  if (isPathNotName(model)) {
    checkUserPath(model, 'file-or-folder', flag);
    return model;
  }
  const { listPackages } = await import('../engine/predict/packages');
  const { packages, problems } = await listPackages(defaultDataDir());
  try {
    return pickInstalled(packages, model, problems).dir;
  } catch (err) {
    throw err instanceof CliError ? new CliError(`${flag}: ${err.message}`, err.exitCode) : err;
  }
}

/**
 * `lumen models delete <name>[@<hash prefix>] [--all-versions] [--yes] [--json]`: one version (the
 * newest unless a hash prefix names another; the next newest then takes the name), a whole
 * package with every version, or an interrupted run's checkpoint (`<name>.checkpoint`). Asks on a
 * terminal; without one it needs --yes. Removed for good (the app's Delete can be undone instead).
 */
export async function deleteInstalled(which: string | undefined, options: { allVersions: boolean; yes: boolean; json: boolean }): Promise<number> {
  if (!which) throw new CliError('name what to delete: lumen models delete <name>[@<hash prefix>] [--all-versions] [--yes]', 2);
  const { deletePackage, listPackages, packagesDir, planDelete, purgeDeleted, recoverInterruptedDeletes } = await import('../engine/predict/packages');
  const { pathInside } = await import('../../common/node/safe-fs');
  const dataDir = defaultDataDir();
  const root = packagesDir(dataDir);
  // A deletion that a killed `lumen models delete` or engine left half done is put back first, as an engine's start does.
  try {
    const { restored, problems } = recoverInterruptedDeletes(dataDir);
    if (restored.length) process.stderr.write(`Put back ${restored.map((p) => path.relative(root, p)).join(', ')}, which a deletion stopped half way had begun to move aside.\n`);
    for (const problem of problems) process.stderr.write(`${problem}\n`);
  } catch (err) {
    // main() says "lumen models:" before it: the command is not named twice (T2-9 b).
    throw new CliError(`nothing was deleted. ${errorMessage(err)}`);
  }
  const at = which.lastIndexOf('@');
  const name = at > 0 ? which.slice(0, at) : which;
  // A name is one folder in models/: "../x", "a/b", "." and ".." are refused before anything is looked up.
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name)) throw new CliError(`${JSON.stringify(name)} is not a package name: a name is one folder in ${root} (no / or \\, not . or ..), as lumen models packages lists it.`, 2);
  try {
    pathInside(root, name, 'delete');
  } catch (err) {
    throw new CliError(errorMessage(err), 2);
  }
  const listed = await listPackages(dataDir);
  let dir: string;
  const run = listed.interrupted.find((r) => path.basename(r.dir) === which);
  // A folder listed as "not a usable package" goes by its folder name, as listed.
  const broken = at < 0 ? listed.problems.find((p) => p.dir === path.join(root, name)) : undefined;
  if (broken) {
    dir = broken.dir;
  } else if (run) {
    if (options.allVersions) throw new CliError(`${which} is an interrupted training run, not a package: --all-versions does not apply.`, 2);
    dir = run.dir;
  } else if (options.allVersions && at < 0 && listed.packages.some((p) => p.earlierVersionOf === path.join(root, name)) && !listed.packages.some((p) => p.dir === path.join(root, name))) {
    // Earlier versions whose newest is gone: --all-versions takes them all.
    dir = listed.packages.find((p) => p.earlierVersionOf === path.join(root, name))!.dir;
  } else {
    // Of copies of one package (one content hash), an earlier one goes: the name keeps its package.
    dir = pickInstalled(listed.packages, which, [], { copy: 'copy' }).dir;
  }
  let plan: ReturnType<typeof planDelete>;
  try {
    plan = planDelete(dataDir, listed, dir, { allVersions: options.allVersions });
  } catch (err) {
    throw new CliError(errorMessage(err));
  }
  const entry = listed.packages.find((p) => p.dir === dir);
  const made = entry && !options.allVersions ? `, made ${entry.createdAt}` : '';
  // A copy of a package (one content hash) goes; the others hold the same and stay: said with the question and what was done.
  const copies = entry && !options.allVersions ? copiesOf(listed.packages, entry) : [];
  const copyNote = copies.length ? ` It is a copy: ${copies.map((c) => `version ${c.version ?? 1}`).join(' and ')} ${copies.length === 1 ? 'holds' : 'hold'} the same package and ${copies.length === 1 ? 'stays' : 'stay'}.` : '';
  const question = `Delete ${plan.what}${made}? This removes ${plan.moves.map((p) => path.relative(root, p)).join(', ')} from ${root}${plan.promote ? `; ${path.basename(plan.promote.to)} then runs version ${plan.promote.version ?? 1} #${plan.promote.contentHash.slice(0, 12)}` : ''}.${copyNote} ${await storedPredictions(plan.hashes)}`;
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new CliError(`nothing was deleted. Standard input is not a terminal, so Lumen cannot ask: add --yes to delete ${plan.what} without asking.`, 2);
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`${question} [y/N] `).finally(() => rl.close());
    if (!/^y(es)?$/i.test(answer.trim())) {
      process.stderr.write('Nothing was deleted.\n');
      return 1;
    }
  }
  let done: Awaited<ReturnType<typeof deletePackage>>;
  try {
    done = await deletePackage(dataDir, dir, { allVersions: options.allVersions });
  } catch (err) {
    throw new CliError(errorMessage(err));
  }
  // The CLI has no Undo: what was moved aside goes for good now.
  purgeDeleted(dataDir, { id: done.undoId });
  if (options.json) {
    printJson({ removed: done.removed, promoted: done.promoted, message: `${done.message}${copyNote}` });
    return 0;
  }
  process.stdout.write(`${done.message.replace(/^Deleted/, 'Removed')}${copyNote}\n`);
  return 0;
}

/** How many stored predictions in the default library name these packages, in words; they stay. */
async function storedPredictions(hashes: string[]): Promise<string> {
  const stay = 'Stored predictions in the library stay.';
  if (hashes.length === 0) return stay;
  try {
    const { defaultLibraryDir, LIBRARY_FILE } = await import('../library/paths');
    const libraryDir = defaultLibraryDir();
    if (!existsSync(path.join(libraryDir, LIBRARY_FILE))) return stay;
    const { PredictionStore } = await import('../library/predictions');
    const store = new PredictionStore(libraryDir);
    try {
      const images = hashes.reduce((n, h) => n + store.count(h, 'image'), 0);
      const series = hashes.reduce((n, h) => n + store.count(h, 'series'), 0);
      const it = hashes.length === 1 ? 'it' : 'them';
      if (images === 0) return `No stored predictions in ${libraryDir} name ${it}.`;
      return `${images} stored image ${images === 1 ? 'prediction' : 'predictions'}${series ? ` on ${series} series` : ''} in ${libraryDir} name ${it}; they stay readable.`;
    } finally {
      store.close();
    }
  } catch {
    return stay; // a library this Lumen cannot read (newer, locked): the question goes without the count
  }
}
