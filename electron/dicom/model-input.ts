// Model input for training and inference: the one pixel pipeline (electron/dicom/pixels.ts)
// plus the package's preprocessing (window, normalisation) and, for training, augmentation.
import { createHash } from 'node:crypto';
import { readRegularFile } from '../../common/node/read-file';
import { parseDicomFile, type ParsedDicom } from './parse';
import { modelInputsOnPool } from './pool';
import { modelInput, renderFrame, VOI_PRESETS, type ModelNormalisation } from './pixels';
import type { Preprocessing } from '../../models/package/metadata';

/** One image a model sees: a frame of a stored instance. */
export interface ImageRef {
  sopInstanceUid: string;
  frame: number;
  path: string;
  seriesInstanceUid: string;
}

/** ImageNet statistics on 0..1, as Keras' EfficientNet preprocessing uses. */
export const DEFAULT_NORMALISATION: ModelNormalisation = { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** A window preset by id ("ct-abdomen") or name ("Abdomen (soft tissue)"), any modality. */
export function findWindowPreset(name: string): { center: number; width: number } | undefined {
  const key = name.trim().toLowerCase();
  for (const list of Object.values(VOI_PRESETS)) {
    for (const p of list) {
      if (p.id.toLowerCase() === key || p.name.toLowerCase() === key || p.id.toLowerCase() === `ct-${key}`) return { center: p.center, width: p.width };
    }
  }
  return undefined;
}

export function presetNames(): string[] {
  return Object.values(VOI_PRESETS).flatMap((l) => l.map((p) => p.id));
}

/** The explicit window of a preprocessing spec (undefined: the file's own window, else min..max). */
export function resolveWindow(pre: Pick<Preprocessing, 'window'>): { center: number; width: number } | undefined {
  if (pre.window === undefined) return undefined;
  if (typeof pre.window !== 'string') return pre.window;
  const found = findWindowPreset(pre.window);
  if (!found) throw new Error(`Unknown window preset "${pre.window}". Known presets: ${presetNames().join(', ')}.`);
  return found;
}

/** NHWC float32 [size, size, 3], normalised as the package says. */
export async function loadModelInput(ref: Pick<ImageRef, 'path' | 'frame'>, pre: Preprocessing, size: number): Promise<Float32Array> {
  return parsedModelInput(await parseDicomFile(ref.path), ref.frame, pre, size);
}

/**
 * loadModelInput for a file already parsed. The result owns its memory: the
 * parsed bytes may be a reused read buffer (the decode pool's workers read
 * every file into one, see dicom/read.ts).
 */
export async function parsedModelInput(parsed: ParsedDicom, frame: number, pre: Preprocessing, size: number): Promise<Float32Array> {
  const img = await renderFrame(parsed, frame, { window: resolveWindow(pre) });
  return modelInput(img, size, { scale: pre.scale, mean: pre.mean, std: pre.std, resize: pre.resize });
}

/**
 * loadModelInput for many frames at once, in order, made on the decode pool's
 * worker threads (one per core), so the thread that runs the network is not
 * the one decoding. A single frame is made here. Rejects with the first bad
 * file's DicomFileError, as a loop over loadModelInput would.
 */
export async function loadModelInputs(refs: Pick<ImageRef, 'path' | 'frame'>[], pre: Preprocessing, size: number): Promise<Float32Array[]> {
  if (refs.length <= 1) return Promise.all(refs.map((r) => loadModelInput(r, pre, size)));
  return modelInputsOnPool(refs.map((r) => ({ file: r.path, frame: r.frame })), { preprocessing: pre, size });
}

/** Content hash of one frame's source: the file's bytes and the frame index (a changed file gets new features). */
export function imageContentHash(ref: Pick<ImageRef, 'path' | 'frame'>): string {
  return createHash('sha256').update(readRegularFile(ref.path, 'dicom')).update(`\0frame ${ref.frame}`).digest('hex');
}

export interface Augmentation {
  /** Horizontal flips (and vertical when `verticalFlip`). */
  flip: boolean;
  verticalFlip: boolean;
  /** Largest rotation, degrees (uniform in ±). */
  rotateDeg: number;
  /** Largest crop: zoom in by up to this fraction (0.1 = crop up to 10% of the side) at a random place. */
  crop: number;
  /** Intensity: brightness shift and contrast factor up to ± this (in normalised units / fraction). */
  intensity: number;
}

export const NO_AUGMENTATION: Augmentation = { flip: false, verticalFlip: false, rotateDeg: 0, crop: 0, intensity: 0 };
export const DEFAULT_AUGMENTATION: Augmentation = { flip: true, verticalFlip: false, rotateDeg: 10, crop: 0.1, intensity: 0.1 };

export function isAugmenting(a: Augmentation): boolean {
  return a.flip || a.verticalFlip || a.rotateDeg > 0 || a.crop > 0 || a.intensity > 0;
}

/**
 * One random variant of an NHWC image (size x size x 3): flip, rotation + crop as one inverse
 * affine map with bilinear sampling (outside -> `fill`, the normalised black), then intensity.
 * `rand` is the caller's seeded generator, so an epoch's augmentations repeat with the seed.
 */
export function augment(src: Float32Array, size: number, a: Augmentation, rand: () => number, fill: [number, number, number]): Float32Array {
  const flipX = a.flip && rand() < 0.5;
  const flipY = a.verticalFlip && rand() < 0.5;
  const angle = ((rand() * 2 - 1) * a.rotateDeg * Math.PI) / 180;
  const zoom = 1 - rand() * a.crop; // sample a window of zoom*size
  const maxShift = ((1 - zoom) * size) / 2;
  const shiftX = (rand() * 2 - 1) * maxShift;
  const shiftY = (rand() * 2 - 1) * maxShift;
  const gain = 1 + (rand() * 2 - 1) * a.intensity;
  const bias = (rand() * 2 - 1) * a.intensity;
  const out = new Float32Array(src.length);
  const c = (size - 1) / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (flipX ? size - 1 - x : x) - c;
      const dy = (flipY ? size - 1 - y : y) - c;
      const sx = (cos * dx - sin * dy) * zoom + c + shiftX;
      const sy = (sin * dx + cos * dy) * zoom + c + shiftY;
      const o = (y * size + x) * 3;
      if (sx < 0 || sy < 0 || sx > size - 1 || sy > size - 1) {
        out[o] = fill[0] * gain + bias;
        out[o + 1] = fill[1] * gain + bias;
        out[o + 2] = fill[2] * gain + bias;
        continue;
      }
      const xa = Math.floor(sx);
      const ya = Math.floor(sy);
      const xb = Math.min(xa + 1, size - 1);
      const yb = Math.min(ya + 1, size - 1);
      const wx = sx - xa;
      const wy = sy - ya;
      for (let k = 0; k < 3; k++) {
        const p = (yy: number, xx: number) => src[(yy * size + xx) * 3 + k];
        const v = (p(ya, xa) * (1 - wx) + p(ya, xb) * wx) * (1 - wy) + (p(yb, xa) * (1 - wx) + p(yb, xb) * wx) * wy;
        out[o + k] = v * gain + bias;
      }
    }
  }
  return out;
}

/** The normalised value of a black pixel (what letterboxing and augmentation fill with). */
export function normalisedBlack(pre: Pick<Preprocessing, 'mean' | 'std'>): [number, number, number] {
  return [0, 1, 2].map((c) => -pre.mean[c] / pre.std[c]) as [number, number, number];
}
