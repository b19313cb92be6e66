// Phantom series for multiple-instance learning: each patient has several series of CT-like
// slices (test/support/dicom/phantom.ts); a positive series shows a round soft-tissue lesion on
// only a few of its slices, a negative one on none. Labels are given per series only (a CSV
// keyed by SeriesInstanceUID), as a radiologist's report would give them; which slices hold
// the lesion is returned for the test to check the attention against, never labelled.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ctSlice, rng } from '../support/dicom/phantom';
import { addDisc, lesionCentre, softTissue, writePhantomSlice } from './phantoms';

export interface MilSeries {
  patientId: string;
  seriesUid: string;
  label: 'lesion' | 'none';
  sops: string[];
  /** The SOP Instance UIDs of the slices that show the lesion (empty for 'none'). */
  lesionSops: string[];
}

export interface MilPhantomSet {
  dir: string;
  csv: string;
  series: MilSeries[];
}

export interface MilPhantomOptions {
  patients: number;
  seriesPerPatient: number;
  slices: number;
  lesionSlices: number;
  size?: number;
  seed: number;
  /** The lesion's radius in pixels of a 64 px slice, drawn uniformly in [min, max) (default [6, 8)). */
  radius?: [number, number];
  /** The lesion's contrast in HU, drawn uniformly in [min, max) (default [180, 260)). */
  contrast?: [number, number];
}

export function writeMilPhantoms(dir: string, opts: MilPhantomOptions): MilPhantomSet {
  const size = opts.size ?? 64;
  const [rMin, rMax] = opts.radius ?? [6, 8];
  const [cMin, cMax] = opts.contrast ?? [180, 260];
  const r = rng(opts.seed);
  mkdirSync(dir, { recursive: true });
  const tissue = softTissue(size);
  const series: MilSeries[] = [];
  for (let p = 0; p < opts.patients; p++) {
    const patientId = `MIL${String(p + 1).padStart(3, '0')}`;
    const studyUid = `1.2.826.0.1.3680043.10.98.${opts.seed}.${p + 1}`;
    for (let s = 0; s < opts.seriesPerPatient; s++) {
      // Every patient has series of both classes when it has two or more: the split by
      // patient then holds positives and negatives on every side.
      const label = (p + s) % 2 === 0 ? 'lesion' : 'none';
      const seriesUid = `${studyUid}.${s + 1}`;
      const lesionAt = new Set<number>();
      if (label === 'lesion') {
        const first = 1 + Math.floor(r() * (opts.slices - opts.lesionSlices - 1));
        for (let k = 0; k < opts.lesionSlices; k++) lesionAt.add(first + k);
      }
      // One lesion per series, seen on consecutive slices (as a small nodule would be).
      const { cx, cy } = lesionCentre(r, size, tissue);
      const radius = (size / 64) * (rMin + r() * (rMax - rMin));
      const contrast = cMin + r() * (cMax - cMin);
      // Series differ as scanners and doses do: a noise level and a brightness offset per
      // series, shared by its slices. A slice classifier trained on inherited labels learns
      // them as if they were the class (most slices of a positive series show nothing else),
      // and the mean over a series cannot average them away.
      const noise = 5 + r() * 40;
      const offset = Math.round((r() * 2 - 1) * 40);
      const sops: string[] = [];
      const lesionSops: string[] = [];
      for (let k = 0; k < opts.slices; k++) {
        const px = ctSlice(size, size, opts.seed * 100_000 + p * 100 + s * 10 + k, noise);
        if (offset) for (let q = 0; q < px.length; q++) px[q] += offset;
        if (lesionAt.has(k)) addDisc(px, size, cx, cy, radius, contrast);
        const sop = `${seriesUid}.${k + 1}`;
        sops.push(sop);
        if (lesionAt.has(k)) lesionSops.push(sop);
        writePhantomSlice(path.join(dir, `${patientId}_${s + 1}_${k + 1}.dcm`), size, px, {
          0x00080018: { vr: 'UI', value: sop },
          0x0020000d: { vr: 'UI', value: studyUid },
          0x0020000e: { vr: 'UI', value: seriesUid },
          0x00100020: { vr: 'LO', value: patientId },
          0x00100010: { vr: 'PN', value: `Phantom^${patientId}` },
          0x00200011: { vr: 'IS', value: s + 1 },
          0x00200013: { vr: 'IS', value: k + 1 },
        });
      }
      series.push({ patientId, seriesUid, label, sops, lesionSops });
    }
  }
  const csv = path.join(path.dirname(dir), `${path.basename(dir)}-labels.csv`);
  writeFileSync(csv, ['SeriesInstanceUID,label', ...series.map((s) => `${s.seriesUid},${s.label}`)].join('\n') + '\n');
  return { dir, csv, series };
}
