// Builds Lumen's OpenJPEG (codecs/openjpeg) into dist/codecs/openjpeg.wasm
// with emscripten: about 15% faster than @cornerstonejs/codec-openjpeg's
// WASM build on the benchmark's JPEG 2000 series (see codecs/openjpeg/README.md).
//
// Skipped when the output is up to date (a hash of the sources, the flags and
// the compiler's version), and when emcc is missing: Lumen then decodes JPEG
// 2000 with the Cornerstone codec and says so. `--require` (npm run dist)
// makes a missing emcc an error, so installers always carry the faster build.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'codecs', 'openjpeg');
const outDir = join(root, 'dist', 'codecs');
const out = join(outDir, 'openjpeg.wasm');
const stamp = join(outDir, 'openjpeg.wasm.hash');
const require_ = process.argv.includes('--require');

// The library's sources as its CMake build lists them (less the JPIP index
// writers, which only the encoder uses), plus Lumen's entry points.
const LIBRARY = [
  'bio', 'cio', 'dwt', 'event', 'function_list', 'ht_dec', 'image', 'invert', 'j2k', 'jp2', 'mct', 'mqc',
  'openjpeg', 'opj_clock', 'opj_malloc', 'pi', 'sparse_array', 't1', 't2', 'tcd', 'tgt', 'thread',
];
const EXPORTS = ['decode', 'info', 'output', 'message', 'alloc', 'free', 'release'].map((f) => `_lumen_j2k_${f}`);
// Each file is compiled with clang at -O2; -msimd128 with -msse2 turns
// OpenJPEG's SSE2 paths into WASM SIMD. The link is -O0 on purpose: binaryen's
// wasm-opt (which emcc runs at -O1 and up) made V8 about 30% slower on the
// tier-1 decoder, and -O3 or -flto gained nothing (codecs/openjpeg/README.md).
const COMPILE = ['-O2', '-msimd128', '-msse2', '-mbulk-memory', '-DNDEBUG', '-Wno-implicit-const-int-float-conversion'];
const LINK = [
  '-O0', '--no-entry', '-s', 'STANDALONE_WASM=1', '-s', 'ALLOW_MEMORY_GROWTH=1', '-s', 'INITIAL_MEMORY=16MB',
  '-s', 'FILESYSTEM=0', '-s', 'ASSERTIONS=0', '-s', `EXPORTED_FUNCTIONS=${EXPORTS.join(',')}`,
];
const FLAGS = [...COMPILE, '|', ...LINK];

const files = [...LIBRARY.map((f) => join(src, 'openjp2', `${f}.c`)), join(src, 'lumen_j2k.c')];
const includes = ['-I', join(src, 'config'), '-I', join(src, 'openjp2')];

const version = spawnSync('emcc', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  const msg = 'emcc (emscripten) not found: JPEG 2000 will decode with @cornerstonejs/codec-openjpeg, about 15% slower. Install emscripten (Debian: apt install emscripten) and build again for Lumen\'s own OpenJPEG.';
  if (require_) {
    console.error(`build-codecs: ${msg}`);
    process.exit(1);
  }
  console.log(`build-codecs: ${msg}`);
  process.exit(0);
}

const hash = createHash('sha256');
hash.update(version.stdout.split('\n')[0]);
hash.update(FLAGS.join(' '));
for (const dir of ['openjp2', 'config']) {
  for (const f of readdirSync(join(src, dir)).sort()) hash.update(f).update(readFileSync(join(src, dir, f)));
}
hash.update(readFileSync(join(src, 'lumen_j2k.c')));
const digest = hash.digest('hex');
if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.log('build-codecs: dist/codecs/openjpeg.wasm is up to date');
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
const work = join(outDir, `openjpeg-objects-${process.pid}`);
mkdirSync(work, { recursive: true });
const tmp = `${out}.tmp-${process.pid}.wasm`;
console.log('build-codecs: compiling OpenJPEG to WASM (emcc, about half a minute) ...');
const t = Date.now();

function emcc(args) {
  return new Promise((resolve) => {
    const p = spawn('emcc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (err) => resolve({ ok: false, stderr: err.message }));
    p.on('close', (code) => resolve({ ok: code === 0, stderr }));
  });
}

function failed(stderr) {
  rmSync(work, { recursive: true, force: true });
  rmSync(tmp, { force: true });
  console.error(`build-codecs: emcc failed:\n${stderr.split('\n').filter((l) => l.trim() && !/warning:/.test(l)).slice(0, 30).join('\n')}`);
  process.exit(1);
}

const objects = files.map((f) => join(work, `${f.split(/[\\/]/).pop()}.o`));
const queue = files.map((f, i) => () => emcc([...COMPILE, ...includes, '-c', f, '-o', objects[i]]));
const workers = Array.from({ length: Math.max(1, availableParallelism()) }, async () => {
  for (let job = queue.shift(); job; job = queue.shift()) {
    const r = await job();
    if (!r.ok) failed(r.stderr);
  }
});
await Promise.all(workers);
const linked = await emcc([...LINK, ...objects, '-o', tmp]);
if (!linked.ok) failed(linked.stderr);
rmSync(work, { recursive: true, force: true });
renameSync(tmp, out);
writeFileSync(stamp, digest);
console.log(`build-codecs: dist/codecs/openjpeg.wasm built in ${((Date.now() - t) / 1000).toFixed(0)} s`);
