// Draws Lumen's application icon and writes the set electron-builder uses:
// build/icon.png (1024 px, Linux and the source for the others),
// build/icon.ico (Windows: 16–256 px) and build/icon.icns (macOS: 16–1024 px).
// Run `node scripts/make-icons.mjs` after changing the drawing; the files are
// committed, so a release build needs no image tools.
//
// The drawing: a lens of light (Lumen) on a dark, rounded tile, with a
// slice-like bright crescent, in the app's accent colour.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../build');

const mix = (a, b, t) => a + (b - a) * t;
const clamp = (v) => Math.max(0, Math.min(1, v));

/** Colour and coverage of one point of the icon, in a unit square. */
function shade(x, y) {
  // Rounded tile (macOS-like proportions: 10 % margin, 22 % corner radius).
  const m = 0.1, r = 0.2;
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0);
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0);
  const tile = Math.hypot(qx, qy) - r; // < 0 inside
  if (tile > 0) return null;
  const bgTop = [0x1a, 0x20, 0x28], bgBottom = [0x0b, 0x0d, 0x10];
  let c = bgTop.map((v, i) => mix(v, bgBottom[i], clamp((y - m) / (1 - 2 * m))));
  const d = Math.hypot(x - 0.5, y - 0.5);
  // Glow and lens.
  const glow = Math.exp(-((d / 0.3) ** 2)) * 0.35;
  const accent = [0x4c, 0xc2, 0xff];
  c = c.map((v, i) => mix(v, accent[i], glow));
  if (d < 0.25) {
    const t = clamp(1 - d / 0.25);
    const lens = [mix(0x1e, 0xe8, t ** 2), mix(0x6f, 0xf7, t ** 2), mix(0xa8, 0xff, t ** 2)];
    c = c.map((v, i) => mix(v, lens[i], 0.92));
  }
  // Ring.
  const ring = Math.abs(d - 0.29);
  if (ring < 0.018) c = c.map((v, i) => mix(v, accent[i], clamp(1 - ring / 0.018)));
  // A crescent of brighter light, like a lesion on a slice.
  const dc = Math.hypot(x - 0.58, y - 0.43);
  if (dc < 0.07) c = c.map((v) => mix(v, 255, 0.85 * clamp(1 - dc / 0.07)));
  return c;
}

/** An RGBA PNG of `size` px, 4×4 samples a pixel for smooth edges. */
function render(size) {
  const png = new PNG({ width: size, height: size });
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shade((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (!c) continue;
          r += c[0];
          g += c[1];
          b += c[2];
          a += 1;
        }
      }
      const o = (py * size + px) * 4;
      png.data[o] = a ? Math.round(r / a) : 0;
      png.data[o + 1] = a ? Math.round(g / a) : 0;
      png.data[o + 2] = a ? Math.round(b / a) : 0;
      png.data[o + 3] = Math.round((255 * a) / (n * n));
    }
  }
  return PNG.sync.write(png);
}

/** Windows .ico holding PNG images (Vista and later read PNG entries). */
function ico(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(({ size, data }, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2);
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(data.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([header, ...images.map((i) => i.data)]);
}

/** macOS .icns with PNG entries (types for 16, 32, 64, 128, 256, 512 and 1024 px). */
function icns(images) {
  const TYPE = { 16: 'icp4', 32: 'icp5', 64: 'icp6', 128: 'ic07', 256: 'ic08', 512: 'ic09', 1024: 'ic10' };
  const entries = images.map(({ size, data }) => {
    const head = Buffer.alloc(8);
    head.write(TYPE[size], 0, 'ascii');
    head.writeUInt32BE(data.length + 8, 4);
    return Buffer.concat([head, data]);
  });
  const body = Buffer.concat(entries);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

const sizes = [16, 32, 48, 64, 128, 256, 512, 1024];
const images = new Map(sizes.map((s) => [s, render(s)]));
writeFileSync(path.join(out, 'icon.png'), images.get(1024));
writeFileSync(path.join(out, 'icon.ico'), ico([256, 128, 64, 48, 32, 16].map((size) => ({ size, data: images.get(size) }))));
writeFileSync(path.join(out, 'icon.icns'), icns([16, 32, 64, 128, 256, 512, 1024].map((size) => ({ size, data: images.get(size) }))));
console.log('Wrote build/icon.png, build/icon.ico and build/icon.icns');
