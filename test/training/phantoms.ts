// A phantom study set for training tests: CT-like slices (test/support/dicom/phantom.ts) with
// no lesion, a round lesion or an elongated lesion (varied size, place, orientation,
// contrast and noise), one series of a few slices per patient, written as DICOM with
// test/support/dicom/write.ts, plus the labels as a CSV keyed by SeriesInstanceUID.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ctSlice, rng } from '../support/dicom/phantom';
import { writeImage, type ElementValue } from '../support/dicom/write';

export const PHANTOM_CLASSES = ['none', 'round', 'elongated'] as const;

// The pieces every phantom generator here draws with (this file's, suggest-phantoms.ts and
// mil-phantoms.ts): where soft tissue is, a lesion's place in it, a round lesion, the slice file.

/**
 * Whether (x, y) of a `size`² phantom slice lies in soft tissue (not lung, air or bone), read
 * from the noise-free slice. A lesion in the lung is invisible in the abdomen window the
 * tests train with (-850 HU + its contrast stays black).
 */
export function softTissue(size: number): (x: number, y: number) => boolean {
  const anatomy = ctSlice(size, size, 0, 0);
  return (x, y) => {
    const v = anatomy[Math.min(size - 1, Math.max(0, Math.round(y))) * size + Math.min(size - 1, Math.max(0, Math.round(x)))];
    return v >= -150 && v <= 150;
  };
}

/** A lesion's centre: random in the middle of the body until it lies in soft tissue (at most 100 tries; the last stands). */
export function lesionCentre(r: () => number, size: number, tissue: (x: number, y: number) => boolean): { cx: number; cy: number } {
  let cx = 0, cy = 0;
  for (let tries = 0; tries < 100; tries++) {
    cx = size * (0.3 + r() * 0.4);
    cy = size * (0.32 + r() * 0.36);
    if (tissue(cx, cy)) break;
  }
  return { cx, cy };
}

/** A round lesion: `contrast` HU (rounded) added to every pixel within `radius` of (cx, cy). */
export function addDisc(px: Int16Array, size: number, cx: number, cy: number, radius: number, contrast: number): void {
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) px[y * size + x] += Math.round(contrast);
}

/** One phantom CT slice as DICOM: 16-bit signed HU (rescale 1, 0), with the UIDs and patient of `extra`. */
export function writePhantomSlice(file: string, size: number, px: Int16Array, extra: Record<number, ElementValue>): void {
  writeImage(file, {
    rows: size,
    columns: size,
    bitsAllocated: 16,
    pixelRepresentation: 1,
    modality: 'CT',
    rescaleSlope: 1,
    rescaleIntercept: 0,
    pixelBytes: new Uint8Array(px.buffer),
    extra,
  });
}

export interface PhantomSet {
  dir: string;
  csv: string;
  /** accessionNumber: the study's AccessionNumber, written only when asked (accessionNumbers). */
  patients: { patientId: string; patientName: string; accessionNumber?: string; studyUid: string; seriesUid: string; label: string; sops: string[] }[];
}

export function writePhantomSet(dir: string, opts: { patients?: number; slices?: number; size?: number; seed?: number; accessionNumbers?: boolean } = {}): PhantomSet {
  const nPatients = opts.patients ?? 36;
  const slices = opts.slices ?? 2;
  const size = opts.size ?? 64;
  const r = rng(opts.seed ?? 42);
  mkdirSync(dir, { recursive: true });
  const patients: PhantomSet['patients'] = [];
  const tissue = softTissue(size);
  for (let p = 0; p < nPatients; p++) {
    const label = PHANTOM_CLASSES[p % 3];
    const base = `1.2.826.0.1.3680043.10.99.${opts.seed ?? 42}.${p + 1}`;
    const patientId = `PH${String(p + 1).padStart(3, '0')}`;
    const studyUid = `${base}.1`;
    const seriesUid = `${base}.1.2`;
    const patientName = `Phantom^${patientId}`;
    const accessionNumber = opts.accessionNumbers ? `ACC${opts.seed ?? 42}X${p + 1}` : undefined;
    const accession: Record<number, ElementValue> = accessionNumber ? { 0x00080050: { vr: 'SH', value: accessionNumber } } : {};
    const sops: string[] = [];
    for (let s = 0; s < slices; s++) {
      const noise = 10 + r() * 25;
      const px = ctSlice(size, size, (opts.seed ?? 42) * 1000 + p * 10 + s, noise);
      if (label !== 'none') {
        // Lesion in soft tissue, away from the centre line: its centre and both ends of its
        // long axis must lie in tissue (not lung, air or bone), as a liver or kidney lesion
        // would. Lesions in the lung made a fifth of them unlearnable noise in the labels.
        let cx = 0, cy = 0, contrast = 0, a = 0, b = 0, angle = 0;
        for (let tries = 0; tries < 100; tries++) {
          cx = size * (0.3 + r() * 0.4);
          cy = size * (0.32 + r() * 0.36);
          contrast = 90 + r() * 110;
          const area = (size / 64) ** 2 * (70 + r() * 60); // ~ pi*a*b in pixels
          angle = r() * Math.PI;
          const ratio = label === 'round' ? 1 : 5 + r() * 3;
          a = Math.sqrt((area * ratio) / Math.PI);
          b = a / ratio;
          const ex = Math.cos(angle) * a * 0.8;
          const ey = Math.sin(angle) * a * 0.8;
          if (tissue(cx, cy) && tissue(cx + ex, cy + ey) && tissue(cx - ex, cy - ey)) break;
        }
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const dx = x - cx;
            const dy = y - cy;
            const u = (dx * cos + dy * sin) / a;
            const v = (-dx * sin + dy * cos) / b;
            if (u * u + v * v <= 1) px[y * size + x] += Math.round(contrast);
          }
        }
      }
      const sop = `${base}.1.2.${s + 1}`;
      sops.push(sop);
      writePhantomSlice(path.join(dir, `${patientId}_${s + 1}.dcm`), size, px, {
        0x00080018: { vr: 'UI', value: sop },
        0x0020000d: { vr: 'UI', value: studyUid },
        0x0020000e: { vr: 'UI', value: seriesUid },
        0x00100020: { vr: 'LO', value: patientId },
        0x00100010: { vr: 'PN', value: patientName },
        ...accession,
        0x00200013: { vr: 'IS', value: s + 1 },
      });
    }
    patients.push({ patientId, patientName, ...(accessionNumber ? { accessionNumber } : {}), studyUid, seriesUid, label, sops });
  }
  const csv = path.join(path.dirname(dir), `${path.basename(dir)}-labels.csv`);
  writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...patients.map((p) => `${p.patientId},${p.seriesUid},${p.label}`)].join('\n') + '\n');
  return { dir, csv, patients };
}
