// Heatmaps as the UI shows them, from the runner's class activation maps
// (models/inference/runner.ts, the one CAM): for the viewer, each class's map cropped to the
// feature cells over the image (the model input letterboxes it); for the training panel, one
// class's map resized to the model input.
import type { z } from 'zod';
import type { CamMap } from '../../../common/contract/models';
import type { CamResult as CamResultSchema } from '../../../common/contract/training';
import { createRunner, type ImageActivations } from '../../../models/inference/runner';
import type { LoadedPackage } from '../../../models/package';
import { loadModelInput } from '../../dicom/model-input';

type CamResult = z.infer<typeof CamResultSchema>;

export type ImageHeatmaps = Omit<CamMap, 'reference'>[];

/** Every class's map over the image's part of the model input, as the contract's CamMap (float32 bytes). */
export function heatmapsOverImage(a: ImageActivations, image: { rows: number | null; columns: number | null }, inputSize: number): ImageHeatmaps {
  const { height: fh, width: fw } = a;
  const rows = image.rows ?? inputSize;
  const columns = image.columns ?? inputSize;
  // The image's box inside the letterboxed input, in feature cells.
  const scale = inputSize / Math.max(rows, columns);
  const boxW = (Math.max(1, Math.round(columns * scale)) / inputSize) * fw;
  const boxH = (Math.max(1, Math.round(rows * scale)) / inputSize) * fh;
  const cx0 = Math.max(0, Math.floor((fw - boxW) / 2));
  const cy0 = Math.max(0, Math.floor((fh - boxH) / 2));
  const cw = Math.min(fw - cx0, Math.ceil(boxW));
  const ch = Math.min(fh - cy0, Math.ceil(boxH));
  return a.maps.map((full, classIndex) => {
    const crop = new Float32Array(cw * ch);
    let min = Infinity;
    let max = -Infinity;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const v = full[(cy0 + y) * fw + cx0 + x];
        crop[y * cw + x] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return { classIndex, rows: ch, columns: cw, values: new Uint8Array(crop.buffer), min, max };
  });
}

/**
 * A map of h x w cells resized to size x size, bilinear with half-pixel centres (as TF's
 * resizeBilinear with halfPixelCenters, which the training panel's heatmap always used).
 */
export function resizeBilinear(map: Float32Array, height: number, width: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  const sy = height / size;
  const sx = width / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(height - 1, Math.floor(fy));
    const y1 = Math.min(height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(width - 1, Math.floor(fx));
      const x1 = Math.min(width - 1, x0 + 1);
      const wx = fx - x0;
      const top = map[y0 * width + x0] * (1 - wx) + map[y0 * width + x1] * wx;
      const bottom = map[y1 * width + x0] * (1 - wx) + map[y1 * width + x1] * wx;
      out[y * size + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** The training panel's heatmap (training.cam): one class's map at model input resolution, and where the image sits in it. */
export async function packageCam(opts: { pkg: LoadedPackage; path: string; frame: number; classIndex?: number; rows: number; columns: number }): Promise<CamResult> {
  const meta = opts.pkg.metadata;
  const size = meta.inputSize;
  const runner = await createRunner({ package: opts.pkg });
  try {
    const input = await loadModelInput({ path: opts.path, frame: opts.frame }, meta.preprocessing, size);
    const cam = await runner.cam(input, opts.classIndex);
    const data = Array.from(resizeBilinear(cam.map, cam.height, cam.width, size));
    const scale = size / Math.max(opts.rows, opts.columns);
    const width = Math.max(1, Math.round(opts.columns * scale));
    const height = Math.max(1, Math.round(opts.rows * scale));
    return {
      classIndex: cam.classIndex,
      className: meta.classNames[cam.classIndex],
      scores: cam.scores,
      size,
      data,
      min: data.reduce((a, b) => Math.min(a, b), Infinity),
      max: data.reduce((a, b) => Math.max(a, b), -Infinity),
      imageRegion: { x0: Math.floor((size - width) / 2), y0: Math.floor((size - height) / 2), width, height },
    };
  } finally {
    await runner.dispose();
  }
}
