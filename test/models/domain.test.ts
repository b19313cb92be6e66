// The training-domain judgement on its own (models/package/domain.ts, models/training/ood.ts):
// header reasons in words, and the feature density's distances on data of known distribution.
import { describe, expect, it } from 'vitest';
import { describeDomain, headerReasons, type DomainHeader } from '../../models/package/domain';
import { featureDistance, fitFeatureDensity, symmetricEigen } from '../../models/training/ood';
import { rng } from '../support/dicom/phantom';

const header: DomainHeader = {
  images: 120, series: 40, patients: 20,
  modalities: { CT: 120 }, photometric: { MONOCHROME2: 120 }, bodyParts: { CHEST: 100, ABDOMEN: 20 },
  rows: { min: 512, max: 512 }, columns: { min: 512, max: 512 }, pixelSpacing: { min: 0.6, max: 0.9 }, bitsStored: [12, 16],
};

describe('header reasons', () => {
  it('name what differs and what the model was trained on', () => {
    expect(headerReasons(header, { modality: 'CT', photometric: 'MONOCHROME2', bodyPart: 'CHEST', rows: 512, columns: 512, pixelSpacing: 0.7, bitsStored: 12 })).toEqual([]);
    expect(headerReasons(header, { modality: 'MR', photometric: 'MONOCHROME2', bodyPart: 'KNEE', rows: 256, columns: 256, pixelSpacing: 0.2 })).toEqual([
      'modality MR; trained on CT',
      'body part KNEE; trained on CHEST, ABDOMEN',
      'pixel spacing 0.20 mm; trained on 0.60–0.90 mm',
    ]);
    expect(headerReasons(header, { modality: 'XC', photometric: 'RGB', rows: 3000, columns: 4000 })).toEqual([
      'modality XC; trained on CT',
      'photometric interpretation RGB; trained on MONOCHROME2',
      'image size 4000x3000 px; trained on 512x512 px',
    ]);
  });

  it('say nothing of what the image or the training data does not state', () => {
    expect(headerReasons(header, {})).toEqual([]);
    expect(headerReasons({ ...header, bodyParts: {}, pixelSpacing: null }, { bodyPart: 'KNEE', pixelSpacing: 3 })).toEqual([]);
  });

  it('a package without a domain says "training domain unknown"', () => {
    expect(describeDomain(undefined)).toEqual(['Training domain unknown (the package records none).']);
    expect(describeDomain({ header }).join('\n')).toMatch(/120 training images from 40 series of 20 patients\.\nModality: CT 120\./);
  });
});

describe('the feature density', () => {
  it('symmetricEigen decomposes a symmetric matrix', () => {
    const r = rng(3);
    const n = 9;
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = r() - 0.5;
    const { values, vectors } = symmetricEigen(m, n);
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += m[i * n + j] * vectors[j * n + c];
        expect(av).toBeCloseTo(values[c] * vectors[i * n + c], 9);
      }
    }
  });

  it('gives held-out samples of the training distribution about √d and shifted or rescaled ones far more', () => {
    const r = rng(11);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const d = 40;
    // Correlated features of very different scales: 4 latent factors plus a little noise.
    const mixing = Array.from({ length: d }, (_, j) => Array.from({ length: 4 }, () => gauss() * (j < 10 ? 100 : 1)));
    const sample = (shift = 0, scale = 1) => {
      const z = Array.from({ length: 4 }, gauss);
      return Float32Array.from({ length: d }, (_, j) => scale * (mixing[j].reduce((s, w, k) => s + w * z[k], 0) + 0.3 * gauss() * (j < 10 ? 100 : 1)) + shift);
    };
    const train = Array.from({ length: 400 }, () => sample());
    const density = fitFeatureDensity(train);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const held = median(Array.from({ length: 200 }, () => featureDistance(density, sample())));
    const shifted = median(Array.from({ length: 50 }, () => featureDistance(density, sample(3))));
    const scaled = median(Array.from({ length: 50 }, () => featureDistance(density, sample(0, 3))));
    console.log(`d ${d}: held-out median ${held.toFixed(2)} (√d ${Math.sqrt(d).toFixed(2)}), shifted ${shifted.toFixed(2)}, scaled ${scaled.toFixed(2)}; components ${density.variances.length}, shrinkage ${density.shrinkage.toFixed(3)}`);
    expect(held).toBeGreaterThan(0.7 * Math.sqrt(d));
    expect(held).toBeLessThan(1.5 * Math.sqrt(d));
    expect(shifted).toBeGreaterThan(2 * held);
    expect(scaled).toBeGreaterThan(2 * held);
  });

  it('refuses fewer than two training images', () => {
    expect(() => fitFeatureDensity([new Float32Array(4)])).toThrow(/2 training images at least; there are 1/);
  });
});
