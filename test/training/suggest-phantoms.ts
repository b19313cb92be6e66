// Phantom series for the active-learning tests: one CT-like series per patient
// (test/support/dicom/phantom.ts), with or without a round lesion in soft tissue whose
// contrast the caller sets, so that a pool can hold many easy negatives, a few obvious
// lesions and some faint (borderline) ones. Written as DICOM with test/support/dicom/write.ts.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ctSlice, rng } from '../support/dicom/phantom';
import { addDisc, lesionCentre, softTissue, writePhantomSlice } from './phantoms';

export interface PhantomSeriesSpec {
  /** Blob contrast in HU over the tissue: > 0 a (hyperdense) lesion, < 0 a hypodense cyst (not a lesion), 0 nothing. */
  contrast: number;
  /** Blob radius in pixels of a 64-pixel image (default 4 to 6, random). */
  radius?: number;
  /** Whether the series counts as a lesion (default: contrast > 0). A small very bright blob is a calcification, not a lesion. */
  lesion?: boolean;
}

export interface WrittenSeries {
  patientId: string;
  studyUid: string;
  seriesUid: string;
  sops: string[];
  contrast: number;
  label: 'none' | 'lesion';
}

/** Writes one series per spec (patients `${prefix}001`...) under `dir`; UIDs are unique per `uidRoot`. */
/**
 * `shift`: each series' soft tissue brighter or darker by up to this many HU (scanners and
 * patients differ), a nuisance that a single labelled example cannot tell from a lesion.
 */
export function writeLesionSeries(dir: string, specs: readonly PhantomSeriesSpec[], opts: { uidRoot: number; prefix?: string; slices?: number; size?: number; seed?: number; shift?: number }): WrittenSeries[] {
  const slices = opts.slices ?? 2;
  const size = opts.size ?? 64;
  const r = rng(opts.seed ?? opts.uidRoot);
  mkdirSync(dir, { recursive: true });
  const tissue = softTissue(size);
  return specs.map((spec, p) => {
    const base = `1.2.826.0.1.3680043.10.98.${opts.uidRoot}.${p + 1}`;
    const patientId = `${opts.prefix ?? 'AL'}${String(p + 1).padStart(3, '0')}`;
    const studyUid = `${base}.1`;
    const seriesUid = `${base}.1.2`;
    const sops: string[] = [];
    const shift = Math.round((2 * r() - 1) * (opts.shift ?? 0));
    for (let s = 0; s < slices; s++) {
      const px = ctSlice(size, size, opts.uidRoot * 10_000 + p * 10 + s, 10 + r() * 20);
      for (let i = 0; i < px.length; i++) if (px[i] > -500 && px[i] < 300) px[i] += shift;
      if (spec.contrast !== 0) {
        const { cx, cy } = lesionCentre(r, size, tissue);
        addDisc(px, size, cx, cy, (size / 64) * (spec.radius ?? 4 + r() * 2), spec.contrast);
      }
      const sop = `${base}.1.2.${s + 1}`;
      sops.push(sop);
      writePhantomSlice(path.join(dir, `${patientId}_${s + 1}.dcm`), size, px, {
        0x00080018: { vr: 'UI', value: sop },
        0x0020000d: { vr: 'UI', value: studyUid },
        0x0020000e: { vr: 'UI', value: seriesUid },
        0x0008103e: { vr: 'LO', value: `Phantom series ${p + 1}` },
        0x00100020: { vr: 'LO', value: patientId },
        0x00100010: { vr: 'PN', value: `Phantom^${patientId}` },
        0x00200013: { vr: 'IS', value: s + 1 },
      });
    }
    return { patientId, studyUid, seriesUid, sops, contrast: spec.contrast, label: spec.lesion ?? spec.contrast > 0 ? 'lesion' : 'none' };
  });
}
