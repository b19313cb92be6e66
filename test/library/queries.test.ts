import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { sortInstances } from '../../electron/library/sort';
import { currentThumbnailName } from '../../electron/library/thumbnail-cache';
import type { InstanceRecord } from '../../electron/library/types';
import { buildMixedFolder, copyMixedFolder, PATIENT_A, PATIENT_B, tmpDir, writeSlice } from './fixtures';

let dir: string;
let lib: Library;

beforeAll(async () => {
  dir = copyMixedFolder(buildMixedFolder(path.join(tmpDir('queries-template'), 'mixed')));
  lib = Library.open(path.join(tmpDir('queries-lib'), 'library'));
  await lib.importPaths([dir]);
});

afterAll(() => lib.close());

const scoutUid = `${PATIENT_A.studyUid}.9`;

describe('listing the library', () => {
  it('listTree: patients -> studies -> series with counts, modalities, dates and descriptions', () => {
    const tree = lib.listTree();
    expect(tree.map((p) => p.patientName)).toEqual(['DOE^JANE', 'ROE^RICHARD']);
    const [jane, richard] = tree;
    expect(jane).toMatchObject({ patientKey: 'PA001', patientId: 'PA001', birthDate: '19600101', sex: 'O', instances: 7 });
    expect(jane.studies).toHaveLength(1);
    expect(jane.studies[0]).toMatchObject({
      studyInstanceUid: PATIENT_A.studyUid,
      studyDate: '20240102',
      studyTime: '101500',
      studyDescription: 'CHEST',
      accessionNumber: 'ACCPA001',
      modalities: ['CT'],
      seriesCount: 2,
      instances: 7,
      missing: 0,
    });
    expect(jane.studies[0].series.map((s) => [s.seriesNumber, s.seriesDescription, s.instances, s.frames])).toEqual([
      [1, 'AXIAL', 5, 5],
      [9, 'SCOUT', 2, 2],
    ]);
    expect(richard.studies[0]).toMatchObject({ studyDescription: 'HEAD', seriesCount: 1, instances: 2 });
    // Plain data: survives JSON unchanged (the IPC contract and the worker send it as JSON).
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
  });

  it('listStudies searches names, IDs, descriptions, accession numbers and modalities', () => {
    expect(lib.listStudies().map((s) => s.patientName).sort()).toEqual(['DOE^JANE', 'ROE^RICHARD']);
    expect(lib.listStudies({ search: 'roe' }).map((s) => s.studyInstanceUid)).toEqual([PATIENT_B.studyUid]);
    expect(lib.listStudies({ search: 'PA001' }).map((s) => s.studyInstanceUid)).toEqual([PATIENT_A.studyUid]);
    expect(lib.listStudies({ search: 'head' }).map((s) => s.studyInstanceUid)).toEqual([PATIENT_B.studyUid]);
    expect(lib.listStudies({ search: 'scout' }).map((s) => s.studyInstanceUid)).toEqual([PATIENT_A.studyUid]);
    expect(lib.listStudies({ search: '2024-01-02' })).toHaveLength(2);
    expect(lib.listStudies({ search: '2023' })).toEqual([]);
    // LIKE wildcards are taken literally.
    expect(lib.listStudies({ search: '%' })).toEqual([]);
    expect(lib.listStudies({ search: '_' })).toEqual([]);
  });

  it('listStudiesWithSeries gives what listStudies and listTree give together, for every search', () => {
    const fromTree = new Map(lib.listTree().flatMap((p) => p.studies.map((st) => [st.studyInstanceUid, st.series] as const)));
    for (const search of [undefined, '', 'roe', 'PA001', 'head', 'scout', '2024-01-02', '2023', '%', 'ct']) {
      const expected = lib.listStudies({ search }).map((st) => ({ ...st, series: fromTree.get(st.studyInstanceUid) ?? [] }));
      expect(lib.listStudiesWithSeries({ search }), `search ${search}`).toEqual(expected);
    }
    expect(lib.listStudiesWithSeries()).toHaveLength(2);
  });

  it('getSeries returns the series with its study, or null', () => {
    expect(lib.getSeries(PATIENT_B.seriesUid)).toMatchObject({
      seriesInstanceUid: PATIENT_B.seriesUid,
      modality: 'CT',
      instances: 2,
      study: { studyInstanceUid: PATIENT_B.studyUid, patientName: 'ROE^RICHARD' },
    });
    expect(lib.getSeries('1.2.3.no.such')).toBeNull();
  });

  it('listInstances orders by instance number (file names run the other way)', () => {
    const axial = lib.listInstances(PATIENT_A.seriesUid);
    expect(axial.map((i) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5]);
    expect(axial.map((i) => path.basename(i.path))).toEqual(['IM4', 'IM3', 'IM2', 'IM1', 'IM0']);
  });
});

describe('sortInstances', () => {
  const base = (over: Partial<InstanceRecord>): InstanceRecord =>
    ({ instanceNumber: null, imagePositionPatient: null, imageOrientationPatient: null, sliceLocation: null, path: '', ...over }) as InstanceRecord;

  it('without instance numbers, orders by position along the slice normal (sagittal: normal is -x)', () => {
    const sagittal = [0, 1, 0, 0, 0, -1];
    const sorted = sortInstances([
      base({ path: 'a', imagePositionPatient: [10, 0, 0], imageOrientationPatient: sagittal }),
      base({ path: 'b', imagePositionPatient: [30, 0, 0], imageOrientationPatient: sagittal }),
      base({ path: 'c', imagePositionPatient: [20, 0, 0], imageOrientationPatient: sagittal }),
    ]);
    expect(sorted.map((i) => i.path)).toEqual(['b', 'c', 'a']);
  });

  it('then by slice location; unknowns last', () => {
    const sorted = sortInstances([
      base({ path: 'none' }),
      base({ path: 'far', sliceLocation: 50 }),
      base({ path: 'near', sliceLocation: -5 }),
      base({ path: 'numbered', instanceNumber: 7 }),
    ]);
    expect(sorted.map((i) => i.path)).toEqual(['numbered', 'near', 'far', 'none']);
  });
});

function decodePng(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

function meanOfCentre(png: PNG, half: number): number {
  let sum = 0;
  let n = 0;
  const cy = png.height / 2;
  const cx = png.width / 2;
  for (let y = Math.floor(cy - half); y < cy + half; y++) {
    for (let x = Math.floor(cx - half); x < cx + half; x++) {
      sum += png.data[(y * png.width + x) * 4];
      n++;
    }
  }
  return sum / n;
}

describe('thumbnails', () => {
  it('renders the middle image with the file window as a PNG, caches it, and drops the cache when the series changes', async () => {
    const png = await lib.thumbnail(PATIENT_A.seriesUid);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([32, 32]);
    const values = new Set<number>();
    for (let i = 0; i < image.data.length; i += 4) values.add(image.data[i]);
    // Air below the window (0), bone above it (255), soft tissue in between.
    expect(values.has(0)).toBe(true);
    expect(values.has(255)).toBe(true);
    expect(values.size).toBeGreaterThan(3);
    // Soft tissue (40 HU) in window 40/400 sits mid-grey.
    expect(Math.abs(meanOfCentre(image, 4) - 128)).toBeLessThan(8);

    const cached = path.join(lib.dir, 'thumbnails', currentThumbnailName(PATIENT_A.seriesUid));
    expect(fs.readFileSync(cached)).toEqual(png);
    expect(await lib.thumbnail(PATIENT_A.seriesUid)).toEqual(png);

    const im2 = path.join(dir, 'series/IM2');
    writeSlice(im2, { ...PATIENT_A, sopUid: `${PATIENT_A.seriesUid}.3`, instanceNumber: 3, z: -7.5, window: [500, 2000] });
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(im2, future, future);
    expect((await lib.importPaths([dir])).changed).toBe(1);
    expect(fs.existsSync(cached)).toBe(false);
  });

  it('uses the modality default (CT soft tissue) when the file has no window', async () => {
    const image = decodePng(await lib.thumbnail(scoutUid));
    // 40 HU in 40/400 -> about 128; the image's own range (-1000..~720) would put it near 154.
    expect(Math.abs(meanOfCentre(image, 4) - 128)).toBeLessThan(8);
  });

  it('scales a large image down to at most 128 px, keeping the aspect', async () => {
    const big = path.join(tmpDir('thumb-big'), 'big');
    fs.mkdirSync(big);
    const seriesUid = '1.2.826.0.1.3680043.10.543.77.1';
    writeSlice(path.join(big, 'one'), { ...PATIENT_B, seriesUid, sopUid: `${seriesUid}.1`, instanceNumber: 1, rows: 200, columns: 256, window: [40, 400] });
    await lib.importPaths([big]);
    const image = decodePng(await lib.thumbnail(seriesUid));
    expect([image.width, image.height]).toEqual([128, 100]);
    expect(Math.abs(meanOfCentre(image, 4) - 128)).toBeLessThan(8);
  });

  it('says which series and what to do when there is nothing to show', async () => {
    await expect(lib.thumbnail('1.2.3.no.such')).rejects.toThrow(/no series 1\.2\.3\.no\.such in the library .*Import it first/);
  });
});
