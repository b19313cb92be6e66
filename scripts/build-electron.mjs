// Bundles the Node side for Electron: main, preload and the engine worker,
// each one CommonJS file in dist/electron. Native and WASM-carrying packages
// stay external and load from node_modules at run time. h5wasm is bundled: its
// ES-module build (in-memory file system; models/weights/h5.ts) carries its WASM inline.
import { build } from 'esbuild';

// Warnings and errors only, then one line: `npm start` runs this build before the app, and
// esbuild's size tables (with a ⚠ beside the engine's 11 MB bundle) were noise there.
const started = Date.now();

const external = [
  'electron',
  'better-sqlite3',
  'onnxruntime-node',
  'webgpu',
  '@tensorflow/*',
  '@cornerstonejs/*',
  'jpeg-lossless-decoder-js',
];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external,
  logLevel: 'warning',
  // import.meta.url in ESM sources → the bundle's own file URL.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

await build({ ...common, entryPoints: { main: 'electron/main/main.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' } });
await build({ ...common, entryPoints: { preload: 'electron/preload/preload.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' }, external: ['electron'] });
await build({ ...common, entryPoints: { 'engine-worker': 'electron/engine/worker.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' } });
// The DICOM decode pool's worker (electron/dicom/pool.ts looks for
// decode-worker.mjs next to the code that starts it).
await build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external,
  logLevel: 'warning',
  entryPoints: { 'decode-worker': 'electron/dicom/decode-worker.ts' },
  outdir: 'dist/electron',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __lumenCreateRequire } from 'node:module'; const require = __lumenCreateRequire(import.meta.url);" },
});

// The WebGPU probe runs as its own process (see models/runtime.ts).
import { copyFileSync } from 'node:fs';
copyFileSync('models/webgpu-probe.mjs', 'dist/electron/webgpu-probe.mjs');
console.log(`build-electron: dist/electron built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
