// What the codec conformance tests share: test images with known values,
// wrapping a codestream into a DICOM file, a reference decoder's stored values
// (read from its uncompressed output with gdcmraw), and Lumen's.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame } from '../../electron/dicom/decode';
import { parseDicomFile } from '../../electron/dicom/parse';
import { dicomBytes, encapsulate, encapsulatedFile, imageElements, type ElementValue, type ImageSpec } from './dicom-writer';
import { rng } from '../support/dicom/phantom';
export { maxDiff } from '../support/dicom/dcm2pnm';

export interface TestImage {
  rows: number;
  columns: number;
  frames: number;
  samples: 1 | 3;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  signed: boolean;
  /** Stored values, frame after frame, colour interleaved. */
  values: number[];
}

/** Diagonal gradients with 15% noise over the whole range of `bitsStored`, different in each frame and sample. */
export function gradientImage(
  bitsStored: number,
  opts: { rows?: number; columns?: number; samples?: 1 | 3; frames?: number; signed?: boolean; seed?: number } = {},
): TestImage {
  const { rows = 37, columns = 61, samples = 1, frames = 1, signed = false, seed = 1 } = opts;
  const r = rng(seed * 977 + bitsStored * 31 + samples * 7 + frames);
  const span = 2 ** bitsStored;
  const lo = signed ? -(span / 2) : 0;
  const values: number[] = [];
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        for (let s = 0; s < samples; s++) {
          const t = ((x + 2 * y + 5 * f + 11 * s) % (rows + columns)) / (rows + columns);
          values.push(lo + Math.min(span - 1, Math.floor(t * 0.85 * span + r() * 0.15 * span)));
        }
      }
    }
  }
  return { rows, columns, frames, samples, bitsAllocated: bitsStored > 8 ? 16 : 8, bitsStored, signed, values };
}

export function imageSpec(img: TestImage, photometric?: string, extra?: Record<number, ElementValue>): ImageSpec {
  return {
    rows: img.rows,
    columns: img.columns,
    frames: img.frames,
    bitsAllocated: img.bitsAllocated,
    bitsStored: img.bitsStored,
    pixelRepresentation: img.signed ? 1 : 0,
    samplesPerPixel: img.samples,
    photometric: photometric ?? (img.samples === 3 ? 'RGB' : 'MONOCHROME2'),
    pixelBytes: new Uint8Array(0),
    extra,
  };
}

/** A file of encapsulated pixel data: each frame's fragments, with or without a basic offset table. */
export function writeEncapsulated(
  file: string,
  img: TestImage,
  transferSyntax: string,
  frames: Uint8Array[][],
  opts: { photometric?: string; offsetTable?: boolean; extra?: Record<number, ElementValue> } = {},
): string {
  const pixels = encapsulate(frames, { basicOffsetTable: opts.offsetTable ?? true }).bytes;
  writeFileSync(file, encapsulatedFile(imageSpec(img, opts.photometric, opts.extra), transferSyntax, pixels));
  return file;
}

/**
 * The stored values in an uncompressed file (a reference decoder's output),
 * masked to its Bits Stored below its High Bit and sign-extended as its Pixel
 * Representation says, colour interleaved whatever its Planar Configuration.
 */
export function storedValues(file: string, img: TestImage, work: string): number[] {
  const raw = join(work, `${Math.random().toString(36).slice(2)}.raw`);
  execFileSync('gdcmraw', ['-t', '7fe0,0010', '-i', file, '-o', raw], { stdio: ['ignore', 'ignore', 'pipe'] });
  const bytes = readFileSync(raw);
  const dump = execFileSync('dcmdump', ['+P', '0028,0006', '+P', '0028,0100', '+P', '0028,0101', '+P', '0028,0102', '+P', '0028,0103', file], { encoding: 'utf8' });
  const planar = /\(0028,0006\) US 1\b/.test(dump);
  // The decoder's own Bits Allocated, Bits Stored, High Bit and Pixel Representation: gdcmconv --raw
  // writes 16 bits stored for a 12-bit J2K file coded at 16, dcmdjpeg 8 allocated for 8-bit JPEG in a
  // 16-bit container, and dcmcjpeg's lossy modes make signed samples unsigned.
  const bitsStored = Number(/\(0028,0101\) US (\d+)/.exec(dump)?.[1] ?? img.bitsStored);
  const highBit = Number(/\(0028,0102\) US (\d+)/.exec(dump)?.[1] ?? bitsStored - 1);
  const signed = /\(0028,0103\) US (\d+)/.exec(dump) ? /\(0028,0103\) US 1\b/.test(dump) : img.signed;
  const shift = highBit + 1 - bitsStored;
  const bps = Number(/\(0028,0100\) US (\d+)/.exec(dump)?.[1] ?? img.bitsAllocated) / 8;
  const pixels = img.rows * img.columns;
  const out: number[] = [];
  for (let f = 0; f < img.frames; f++) {
    for (let p = 0; p < pixels; p++) {
      for (let s = 0; s < img.samples; s++) {
        const at = f * pixels * img.samples + (planar ? s * pixels + p : p * img.samples + s);
        const word = bps === 1 ? bytes[at] : bytes.readUInt16LE(at * 2);
        const v = Math.floor(word / 2 ** shift) % 2 ** bitsStored;
        out.push(signed && v >= 2 ** (bitsStored - 1) ? v - 2 ** bitsStored : v);
      }
    }
  }
  return out;
}

/** Every frame of a file as Lumen decodes it (stored values, colour interleaved RGB), with its photometric interpretation. */
export async function lumenValues(file: string): Promise<{ values: number[]; photometric: string }> {
  const parsed = await parseDicomFile(file);
  const values: number[] = [];
  let photometric = '';
  for (let f = 0; f < parsed.meta.numberOfFrames; f++) {
    const frame = await decodeFrame(parsed, f);
    photometric = frame.photometricInterpretation;
    for (const v of frame.pixels) values.push(v);
  }
  return { values, photometric };
}

/** How many values differ. */
export function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

export function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * An uncompressed file of `img` (Explicit VR Little Endian): samples shifted up
 * so that High Bit is `highBit`, every bit outside Bits Stored set when
 * `padding` (as a careless writer leaves them), planar configuration 1 when
 * `planar`.
 */
export function writeNative(file: string, img: TestImage, opts: { highBit?: number; padding?: boolean; planar?: boolean; photometric?: string } = {}): string {
  const highBit = opts.highBit ?? img.bitsStored - 1;
  const shift = highBit + 1 - img.bitsStored;
  const container = 2 ** img.bitsAllocated;
  const stored = (2 ** img.bitsStored - 1) * 2 ** shift;
  const outside = container - 1 - stored;
  const pixels = img.rows * img.columns;
  const perFrame = pixels * img.samples;
  const words: number[] = [];
  for (let f = 0; f < img.frames; f++) {
    for (let i = 0; i < perFrame; i++) {
      // Planar: plane after plane within each frame.
      const at = opts.planar ? f * perFrame + (i % pixels) * img.samples + Math.floor(i / pixels) : f * perFrame + i;
      const v = img.values[at];
      const word = ((v < 0 ? v + 2 ** img.bitsStored : v) * 2 ** shift) % container;
      words.push(opts.padding ? word + outside - (word & outside) : word);
    }
  }
  const bytes = img.bitsAllocated === 8 ? Uint8Array.from(words) : new Uint8Array(Uint16Array.from(words).buffer);
  const spec = { ...imageSpec(img, opts.photometric), pixelBytes: bytes, planarConfiguration: opts.planar ? (1 as const) : (0 as const) };
  const els = imageElements(spec);
  els[0x00280102] = { vr: 'US', value: highBit };
  // GDCM encodes several frames only for a multi-frame class: Multi-frame Secondary Capture (byte, word, true colour).
  if (img.frames > 1) els[0x00080016] = { vr: 'UI', value: img.samples === 3 ? '1.2.840.10008.5.1.4.1.1.7.4' : img.bitsAllocated === 8 ? '1.2.840.10008.5.1.4.1.1.7.2' : '1.2.840.10008.5.1.4.1.1.7.3' };
  writeFileSync(file, dicomBytes(els));
  return file;
}
