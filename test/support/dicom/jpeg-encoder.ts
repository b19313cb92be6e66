// JPEG streams that dcmcjpeg cannot write (restart intervals, one scan per
// component, progressive with restarts), from GDCM's IJG libraries through jpeg-restart-encoder.c. The
// encoder is compiled with gcc on first use, once per sample precision, into
// a folder of the temporary directory named by the source's hash (CI installs
// g++ and libgdcm-dev for the native benchmark already).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = join(__dirname, 'jpeg-restart-encoder.c');

export interface JpegEncoding {
  columns: number;
  rows: number;
  components: 1 | 3;
  precision: number;
  /** Stored values, colour interleaved. */
  values: ArrayLike<number>;
  /** 'dct': baseline (8 bits) or extended (12 bits); lossless with a predictor (1-7) and point transform. */
  mode: 'dct' | { predictor: number; pointTransform?: number };
  /** A restart marker every n MCUs, or every n MCU rows (DRI written either way). */
  restart?: { mcus: number } | { rows: number };
  /** For 3 components: RGB coded as is, or YCbCr with its chroma sampling. Lossless is always RGB. */
  colour?: 'rgb' | 'ycc444' | 'ycc422' | 'ycc420';
  /** One scan per component instead of one interleaved scan. */
  separateScans?: boolean;
  /** DCT only: progressive (IJG's simple progression: spectral selection and successive approximation), SOF2. */
  progressive?: boolean;
}

function gdcmInclude(): string {
  const dir = readdirSync('/usr/include').find((d) => d.startsWith('gdcm-'));
  if (!dir) throw new Error('GDCM headers (libgdcm-dev) are not installed: the JPEG restart fixtures need them');
  return join('/usr/include', dir, 'gdcmjpeg');
}

/** The encoder for a library build: 8, 12 or 16 bits per sample. */
function encoderFor(build: 8 | 12 | 16): string {
  const source = readFileSync(SOURCE);
  const dir = join(tmpdir(), `lumen-jpeg-encoder-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  const bin = join(dir, `jpeg-restart-encoder-${build}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const include = gdcmInclude();
  // Built beside and renamed: test files running at once never run a half-written binary.
  const partial = `${bin}.${process.pid}`;
  execFileSync('gcc', ['-O2', '-o', partial, SOURCE, `-I${join(include, String(build))}`, `-I${include}`, `-lgdcmjpeg${build}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(partial, bin);
  return bin;
}

/** The JPEG stream (SOI to EOI) for `e`, written to `work` (a folder for the raw input and the output). */
export function encodeJpeg(e: JpegEncoding, work: string): Buffer {
  const build = e.precision <= 8 ? 8 : e.precision <= 12 ? 12 : 16;
  const wide = build > 8;
  const raw = Buffer.alloc(e.values.length * (wide ? 2 : 1));
  for (let i = 0; i < e.values.length; i++) {
    if (wide) raw.writeUInt16LE(e.values[i], 2 * i);
    else raw[i] = e.values[i];
  }
  const name = `jpeg-${Math.random().toString(36).slice(2)}`;
  const input = join(work, `${name}.raw`);
  const output = join(work, `${name}.jpg`);
  writeFileSync(input, raw);
  const mode = e.mode === 'dct' ? 'dct' : `lossless:${e.mode.predictor}:${e.mode.pointTransform ?? 0}`;
  const restart = !e.restart ? 'none' : 'mcus' in e.restart ? `mcus:${e.restart.mcus}` : `rows:${e.restart.rows}`;
  const colour = e.components === 1 ? 'grey' : (e.colour ?? 'rgb');
  execFileSync(encoderFor(build), [mode, String(e.columns), String(e.rows), String(e.components), String(e.precision), restart, colour, e.progressive ? 'progressive' : e.separateScans ? 'separate' : 'interleaved', input, output], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return readFileSync(output);
}
