// Builds Lumen's own WASM codecs with emscripten into dist/codecs:
//   openjpeg.wasm  JPEG 2000 (third_party/openjpeg), 1.6x @cornerstonejs/codec-openjpeg
//   libjpeg.wasm   8-bit JPEG (third_party/libjpeg-turbo), 1.2x @cornerstonejs/codec-libjpeg-turbo-8bit
//   libjpeg12.wasm 12-bit JPEG (the same sources with 12-bit samples), 8-15x Lumen's jpeg12.ts
//   rle.wasm       RLE Lossless's PackBits loop (Lumen's own), 3x the same loop in JavaScript
// electron/dicom/{openjpeg,libjpeg,rle}.md say what was changed and why.
//
// third_party/<name>/ holds the upstream sources exactly as released; they
// are never compiled in place. The build copies them into a work folder,
// applies third_party/patches/<name>/*.patch in name order (`patch -p1`),
// and compiles that copy with Lumen's glue (electron/dicom/lumen_*.c) and
// the headers CMake would have generated (electron/dicom/codec-config/<name>/).
//
// A codec is skipped while its output is up to date (a hash of its sources,
// the flags and the compiler's version). Without emcc nothing is built: Lumen
// then decodes with the Cornerstone codecs (same pixels, slower) and says so.
// `--require` (npm run dist) makes a missing emcc an error, so installers
// always carry the faster builds.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'codecs');
const require_ = process.argv.includes('--require');

// Each file is compiled with clang at -O2; -msimd128 lets clang vectorise, and
// with -msse2 OpenJPEG's SSE2 paths compile to WASM SIMD. The link is -O0 on
// purpose: binaryen's wasm-opt (which emcc runs at -O1 and up) made V8 about
// 30% slower on OpenJPEG's tier-1 decoder, and -O3 or -flto gained nothing.
const LINK = ['-O0', '--no-entry', '-s', 'STANDALONE_WASM=1', '-s', 'ALLOW_MEMORY_GROWTH=1', '-s', 'INITIAL_MEMORY=16MB', '-s', 'FILESYSTEM=0', '-s', 'ASSERTIONS=0'];

// libjpeg-turbo's decompressor as its CMake build lists it for libjpeg, without SIMD (its SIMD is x86/ARM assembly).
const LIBJPEG_SOURCES = [
  'jcomapi', 'jdapimin', 'jdapistd', 'jdatasrc', 'jdcoefct', 'jdcolor', 'jddctmgr', 'jdhuff', 'jdphuff', 'jdinput',
  'jdmainct', 'jdmarker', 'jdmaster', 'jdmerge', 'jdpostct', 'jdsample', 'jerror', 'jidctflt', 'jidctfst', 'jidctint',
  'jidctred', 'jmemmgr', 'jmemnobs', 'jquant1', 'jquant2', 'jutils', 'jsimd_none',
];

const CODECS = [
  {
    name: 'openjpeg',
    upstream: 'third_party/openjpeg',
    // The library's sources as its CMake build lists them, less the JPIP index writers (encoder only).
    sources: [
      'bio', 'cio', 'dwt', 'event', 'function_list', 'ht_dec', 'image', 'invert', 'j2k', 'jp2', 'mct', 'mqc',
      'openjpeg', 'opj_clock', 'opj_malloc', 'pi', 'sparse_array', 't1', 't2', 'tcd', 'tgt', 'thread',
    ].map((f) => `src/lib/openjp2/${f}.c`),
    upstreamIncludes: ['src/lib/openjp2'],
    glue: ['electron/dicom/lumen_j2k.c'],
    config: 'electron/dicom/codec-config/openjpeg',
    compile: ['-O2', '-msimd128', '-msse2', '-mbulk-memory', '-DNDEBUG', '-Wno-implicit-const-int-float-conversion'],
    exports: ['decode', 'info', 'output', 'message', 'alloc', 'free', 'release'].map((f) => `_lumen_j2k_${f}`),
  },
  {
    name: 'libjpeg',
    upstream: 'third_party/libjpeg-turbo',
    // With arithmetic decoding (8-bit only in libjpeg-turbo 2.1).
    sources: [...LIBJPEG_SOURCES, 'jdarith', 'jaricom'].map((f) => `${f}.c`),
    upstreamIncludes: ['.'],
    glue: ['electron/dicom/lumen_jpeg.c'],
    config: 'electron/dicom/codec-config/libjpeg-turbo',
    compile: ['-O2', '-msimd128', '-mbulk-memory', '-DNDEBUG'],
    exports: ['decode', 'info', 'output', 'message', 'alloc', 'free', 'release'].map((f) => `_lumen_jpeg_${f}`),
  },
  {
    // The same sources and entry points with 12-bit samples (BITS_IN_JSAMPLE 12 in its jconfig.h), as
    // CMake's WITH_12BIT builds them: no SIMD, no arithmetic decoding (so no jdarith.c and jaricom.c).
    name: 'libjpeg12',
    upstream: 'third_party/libjpeg-turbo',
    sources: LIBJPEG_SOURCES.map((f) => `${f}.c`),
    upstreamIncludes: ['.'],
    glue: ['electron/dicom/lumen_jpeg.c'],
    config: 'electron/dicom/codec-config/libjpeg-turbo12',
    compile: ['-O2', '-msimd128', '-mbulk-memory', '-DNDEBUG'],
    exports: ['decode', 'info', 'output', 'message', 'alloc', 'free', 'release'].map((f) => `_lumen_jpeg_${f}`),
  },
  {
    name: 'rle',
    upstream: undefined,
    sources: [],
    upstreamIncludes: [],
    glue: ['electron/dicom/lumen_rle.c'],
    config: undefined,
    compile: ['-O2', '-msimd128', '-mbulk-memory', '-DNDEBUG'],
    exports: ['segment', 'alloc', 'free'].map((f) => `_lumen_rle_${f}`),
  },
];

const version = spawnSync('emcc', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  const msg = 'emcc (emscripten) not found: JPEG 2000 and JPEG will decode with the Cornerstone codecs, 12-bit JPEG and RLE in JavaScript, all slower. Install emscripten (Debian: apt install emscripten) and build again for Lumen\'s own builds.';
  if (require_) {
    console.error(`build-codecs: ${msg}`);
    process.exit(1);
  }
  console.log(`build-codecs: ${msg}`);
  process.exit(0);
}

function emcc(args) {
  return new Promise((resolve) => {
    const p = spawn('emcc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', (err) => resolve({ ok: false, stderr: err.message }));
    p.on('close', (code) => resolve({ ok: code === 0, stderr }));
  });
}

/** Runs the jobs on every core; resolves to the first failure's output, or undefined. */
async function parallel(jobs) {
  const queue = [...jobs];
  let failure;
  await Promise.all(
    Array.from({ length: Math.max(1, availableParallelism()) }, async () => {
      for (let job = queue.shift(); job && !failure; job = queue.shift()) {
        const r = await job();
        if (!r.ok) failure ??= r.stderr;
      }
    }),
  );
  return failure;
}

/** Every file under `dir`, relative to it, sorted (for the up-to-date hash). */
function filesUnder(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(prefix, e.name)) : [join(prefix, e.name)]));
}

/** The codec's patches (third_party/patches/<name>/*.patch), in name order. */
function patchesOf(codec) {
  const dir = join(root, 'third_party', 'patches', basename(codec.upstream ?? codec.name));
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.patch')).sort().map((f) => join(dir, f)) : [];
}

/** Copies the upstream sources into `work` and applies the patches; the reason on failure. */
function patchedCopy(codec, work) {
  cpSync(join(root, codec.upstream), work, { recursive: true });
  for (const patch of patchesOf(codec)) {
    const r = spawnSync('patch', ['-p1', '-s', '-N', '-d', work, '-i', patch], { encoding: 'utf8' });
    if (r.error) return `the "patch" program is needed to apply ${patch}: ${r.error.message}`;
    if (r.status !== 0) return `${patch} does not apply to ${codec.upstream}:\n${r.stdout}${r.stderr}`;
  }
  return undefined;
}

async function build(codec) {
  const out = join(outDir, `${codec.name}.wasm`);
  const stamp = `${out}.hash`;
  const link = [...LINK, '-s', `EXPORTED_FUNCTIONS=${codec.exports.join(',')}`];
  const hash = createHash('sha256');
  hash.update(version.stdout.split('\n')[0]).update(codec.compile.join(' ')).update(link.join(' '));
  for (const dir of [codec.upstream, codec.config].filter(Boolean)) {
    for (const f of filesUnder(join(root, dir))) hash.update(f).update(readFileSync(join(root, dir, f)));
  }
  for (const f of [...patchesOf(codec), ...codec.glue.map((g) => join(root, g))]) hash.update(basename(f)).update(readFileSync(f));
  const digest = hash.digest('hex');
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    console.log(`build-codecs: dist/codecs/${codec.name}.wasm is up to date`);
    return;
  }

  const work = join(outDir, `${codec.name}-objects-${process.pid}`);
  const patched = join(work, 'src');
  const tmp = `${out}.tmp-${process.pid}.wasm`;
  mkdirSync(work, { recursive: true });
  const t = Date.now();
  let failure = codec.upstream ? patchedCopy(codec, patched) : undefined;
  const includes = [
    ...(codec.config ? ['-I', join(root, codec.config)] : []),
    ...codec.upstreamIncludes.flatMap((d) => ['-I', join(patched, d)]),
  ];
  const sources = [...codec.sources.map((f) => join(patched, f)), ...codec.glue.map((g) => join(root, g))];
  const objects = sources.map((f, i) => join(work, `${i}-${basename(f)}.o`));
  if (!failure) failure = await parallel(sources.map((f, i) => () => emcc([...codec.compile, ...includes, '-c', f, '-o', objects[i]])));
  if (!failure) {
    const linked = await emcc([...link, ...objects, '-o', tmp]);
    if (!linked.ok) failure = linked.stderr;
  }
  rmSync(work, { recursive: true, force: true });
  if (failure) {
    rmSync(tmp, { force: true });
    console.error(`build-codecs: building ${codec.name} failed:\n${failure.split('\n').filter((l) => l.trim() && !/warning:/.test(l)).slice(0, 30).join('\n')}`);
    process.exit(1);
  }
  renameSync(tmp, out);
  writeFileSync(stamp, digest);
  console.log(`build-codecs: dist/codecs/${codec.name}.wasm built in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

mkdirSync(outDir, { recursive: true });
for (const codec of CODECS) await build(codec);
