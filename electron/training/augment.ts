// Training's augmentation of model inputs (flip, rotation, crop, intensity), applied to
// the pixel pipeline's output (electron/dicom/model-input.ts) with the run's seeded generator.

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
