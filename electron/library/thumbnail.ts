import { parseDicomFile } from '../dicom/parse';
import { encodePng, parsedForFrame, renderDecoded, voiWindows, VOI_PRESETS } from '../dicom/pixels';
import { decodeFrame } from '../dicom/decode';
import type { InstanceMeta } from '../dicom/parse';
import { LibraryError } from './errors';
import type { InstanceRecord } from './types';
import { errorMessage } from '../../common/errors';

export const THUMBNAIL_MAX_SIZE = 128;

export interface RenderedImage {
  rows: number;
  columns: number;
  channels: number;
  data: Uint8Array;
}

/** Area-averaging downscale so that the longer side is at most `max` pixels (never upscales). */
export function downscale(img: RenderedImage, max = THUMBNAIL_MAX_SIZE): RenderedImage {
  const scale = Math.min(1, max / Math.max(img.rows, img.columns));
  if (scale === 1) return img;
  const rows = Math.max(1, Math.round(img.rows * scale));
  const columns = Math.max(1, Math.round(img.columns * scale));
  const { channels } = img;
  const out = new Uint8Array(rows * columns * channels);
  const sums = new Float64Array(channels);
  for (let y = 0; y < rows; y++) {
    const y0 = Math.floor((y * img.rows) / rows);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.rows) / rows));
    for (let x = 0; x < columns; x++) {
      const x0 = Math.floor((x * img.columns) / columns);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.columns) / columns));
      sums.fill(0);
      for (let sy = y0; sy < y1; sy++) {
        let i = (sy * img.columns + x0) * channels;
        for (let sx = x0; sx < x1; sx++) for (let c = 0; c < channels; c++) sums[c] += img.data[i++];
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * columns + x) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = Math.round(sums[c] / n);
    }
  }
  return { rows, columns, channels, data: out };
}

/** The preset a thumbnail uses when the file has no window of its own (a body CT reads best in soft tissue). */
const THUMBNAIL_PRESET: Record<string, string> = { CT: 'ct-abdomen' };

/**
 * The file's own window, else the modality's default preset (`preset` true), else undefined
 * (then the image's own range is used).
 */
export function thumbnailWindow(meta: InstanceMeta): { center: number; width: number; preset: boolean } | undefined {
  const own = voiWindows(meta).find((w) => w.id.startsWith('file-'));
  if (own) return { center: own.center, width: own.width, preset: false };
  const presets = VOI_PRESETS[meta.modality] ?? [];
  const preset = presets.find((p) => p.id === THUMBNAIL_PRESET[meta.modality]) ?? presets[0];
  return preset ? { center: preset.center, width: preset.width, preset: true } : undefined;
}

/** Every byte 0, or every byte 255: an image drawn wholly black or wholly white. */
function blank(data: Uint8Array): boolean {
  const first = data[0];
  return (first === 0 || first === 255) && data.every((v) => v === first);
}

/**
 * Renders the middle image of a series (instances already in viewing order) as
 * a small PNG, trying neighbours when the middle file is gone or unreadable.
 */
export async function renderThumbnail(instances: InstanceRecord[], seriesUid: string): Promise<Buffer> {
  const present = instances.filter((i) => !i.missing && i.hasPixelData);
  if (present.length === 0) {
    throw new LibraryError(`every file of series ${seriesUid} is missing from disk, so it has no thumbnail. Import the folder where the files are now.`);
  }
  // Middle first, then outwards.
  const mid = Math.floor((present.length - 1) / 2);
  const order = present.map((_, k) => k).sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
  let firstError: unknown;
  for (const index of order.slice(0, 5)) {
    const instance = present[index];
    try {
      const parsed = await parseDicomFile(instance.path);
      const frame = Math.floor(((parsed.meta.numberOfFrames || 1) - 1) / 2);
      const one = parsedForFrame(parsed, frame);
      const decoded = await decodeFrame(parsed, frame);
      const window = thumbnailWindow(one.meta);
      let image = renderDecoded(one, decoded, { window });
      // A preset the image lies wholly outside (a slice of air, a slope of 1e36) draws a blank
      // square: the image's own range then, as the viewer's Full range. A file's window stays.
      if (window?.preset && blank(image.data)) image = renderDecoded(one, decoded, {});
      const small = downscale({ rows: image.rows, columns: image.columns, channels: image.channels, data: image.data });
      return encodePng(small);
    } catch (err) {
      firstError ??= err;
    }
  }
  const reason = errorMessage(firstError);
  throw new LibraryError(`cannot make a thumbnail for series ${seriesUid}: ${reason}`);
}
