// Model input for training and inference: the one pixel pipeline (electron/dicom/pixels.ts)
// plus the package's preprocessing (window, normalisation). Training's augmentation is in
// electron/training/augment.ts.
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

/** The normalised value of a black pixel (what letterboxing and augmentation fill with). */
export function normalisedBlack(pre: Pick<Preprocessing, 'mean' | 'std'>): [number, number, number] {
  return [0, 1, 2].map((c) => -pre.mean[c] / pre.std[c]) as [number, number, number];
}
