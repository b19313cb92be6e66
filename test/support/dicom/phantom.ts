// Synthetic images with known content, for tests and the benchmark.

import { mulberry32 } from '../../../common/random';

/** Deterministic pseudo-random numbers so phantoms are the same every run. */
export const rng = mulberry32;

/** A CT-like slice: air, body ellipse, organs, bone ring, noise. Stored values = HU (signed). */
export function ctSlice(rows: number, columns: number, seed: number, noise = 20): Int16Array {
  const r = rng(seed);
  const out = new Int16Array(rows * columns);
  const cx = columns / 2;
  const cy = rows / 2;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const dx = (x - cx) / (columns * 0.42);
      const dy = (y - cy) / (rows * 0.36);
      const d = dx * dx + dy * dy;
      let hu = -1000;
      if (d < 1) {
        hu = 40;
        if (d > 0.85) hu = -100; // subcutaneous fat
        const lx = (x - cx * 0.6) / (columns * 0.12);
        const ly = (y - cy) / (rows * 0.16);
        if (lx * lx + ly * ly < 1) hu = -850; // lung
        const rx = (x - cx * 1.4) / (columns * 0.12);
        const ry = (y - cy) / (rows * 0.14);
        if (rx * rx + ry * ry < 1) hu = 60; // liver
        const sx = (x - cx) / (columns * 0.05);
        const sy = (y - cy * 1.5) / (rows * 0.05);
        const s = sx * sx + sy * sy;
        if (s < 1) hu = s > 0.5 ? 1200 : 300; // vertebra
        hu += Math.round((r() + r() + r() - 1.5) * noise);
      }
      out[y * columns + x] = hu;
    }
  }
  return out;
}

