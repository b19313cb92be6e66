// A 24-bit BMP as img2dcm reads it, for tests that need a colour image made by other software:
// a BITMAPINFOHEADER, rows bottom-up, each padded to 4 bytes, pixels stored blue, green, red.

/** The BMP of a `width` x `height` image whose pixel at (x, y), top row first, is `rgbAt(x, y)`. */
export function bmp24(width: number, height: number, rgbAt: (x: number, y: number) => readonly [number, number, number]): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const data = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = rgbAt(x, y);
      const at = (height - 1 - y) * row + x * 3;
      data[at] = b;
      data[at + 1] = g;
      data[at + 2] = r;
    }
  }
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + data.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  header.writeUInt32LE(data.length, 34);
  header.writeInt32LE(2835, 38); // 72 dpi, as image editors write it
  header.writeInt32LE(2835, 42);
  return Buffer.concat([header, data]);
}
