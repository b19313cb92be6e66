// A phantom study set for training tests: CT-like slices (electron/dicom/phantom.ts) with
// no lesion, a round lesion or an elongated lesion (varied size, place, orientation,
// contrast and noise), one series of a few slices per patient, written as DICOM with
// electron/dicom/write.ts, plus the labels as a CSV keyed by SeriesInstanceUID.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ctSlice, rng } from '../../electron/dicom/phantom';
import { writeImage } from '../../electron/dicom/write';

export const PHANTOM_CLASSES = ['none', 'round', 'elongated'] as const;

export interface PhantomSet {
  dir: string;
  csv: string;
  patients: { patientId: string; studyUid: string; seriesUid: string; label: string; sops: string[] }[];
}

export function writePhantomSet(dir: string, opts: { patients?: number; slices?: number; size?: number; seed?: number } = {}): PhantomSet {
  const nPatients = opts.patients ?? 36;
  const slices = opts.slices ?? 2;
  const size = opts.size ?? 64;
  const r = rng(opts.seed ?? 42);
  mkdirSync(dir, { recursive: true });
  const patients: PhantomSet['patients'] = [];
  for (let p = 0; p < nPatients; p++) {
    const label = PHANTOM_CLASSES[p % 3];
    const base = `1.2.826.0.1.3680043.10.99.${opts.seed ?? 42}.${p + 1}`;
    const patientId = `PH${String(p + 1).padStart(3, '0')}`;
    const studyUid = `${base}.1`;
    const seriesUid = `${base}.1.2`;
    const sops: string[] = [];
    for (let s = 0; s < slices; s++) {
      const noise = 10 + r() * 25;
      const px = ctSlice(size, size, (opts.seed ?? 42) * 1000 + p * 10 + s, noise);
      if (label !== 'none') {
        // Lesion inside the body ellipse, away from the centre line.
        const cx = size * (0.3 + r() * 0.4);
        const cy = size * (0.32 + r() * 0.36);
        const contrast = 90 + r() * 110;
        const area = (size / 64) ** 2 * (70 + r() * 60); // ~ pi*a*b in pixels
        const angle = r() * Math.PI;
        const ratio = label === 'round' ? 1 : 5 + r() * 3;
        const a = Math.sqrt((area * ratio) / Math.PI);
        const b = a / ratio;
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
      writeImage(path.join(dir, `${patientId}_${s + 1}.dcm`), {
        rows: size,
        columns: size,
        bitsAllocated: 16,
        pixelRepresentation: 1,
        modality: 'CT',
        rescaleSlope: 1,
        rescaleIntercept: 0,
        pixelBytes: new Uint8Array(px.buffer),
        extra: {
          0x00080018: { vr: 'UI', value: sop },
          0x0020000d: { vr: 'UI', value: studyUid },
          0x0020000e: { vr: 'UI', value: seriesUid },
          0x00100020: { vr: 'LO', value: patientId },
          0x00100010: { vr: 'PN', value: `Phantom^${patientId}` },
          0x00200013: { vr: 'IS', value: s + 1 },
        },
      });
    }
    patients.push({ patientId, studyUid, seriesUid, label, sops });
  }
  const csv = path.join(path.dirname(dir), `${path.basename(dir)}-labels.csv`);
  writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...patients.map((p) => `${p.patientId},${p.seriesUid},${p.label}`)].join('\n') + '\n');
  return { dir, csv, patients };
}
