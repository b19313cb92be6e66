// `lumen predictions --series <uid>` as a user runs it: what the one store holds for a
// series, as text and --json, and clear refusals for a bad UID, an unknown series or a
// missing library (which it never creates).
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { Library } from '../../electron/library/library';
import { savePredictions } from '../../electron/library/predictions';
import { buildMixedFolder, copyMixedFolder, PATIENT_A, PATIENT_B, tmpDir } from './fixtures';

const HASH = 'c'.repeat(64);

const lumen = (args: string[]) => runLumen(args, tmpDir('predictions-cli-data'));

let library: string;
let sops: string[];

beforeAll(async () => {
  const dir = copyMixedFolder(buildMixedFolder(path.join(tmpDir('predictions-cli-template'), 'mixed')));
  library = path.join(tmpDir('predictions-cli-lib'), 'library');
  const lib = Library.open(library);
  try {
    await lib.importPaths([dir]);
    sops = lib.listInstances(PATIENT_A.seriesUid).map((i) => i.sopInstanceUid);
  } finally {
    lib.close();
  }
  savePredictions(
    library,
    { modelHash: HASH, modelName: 'triage', classNames: ['normal', 'nodule'], images: sops.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: [1 - i / 10, i / 10] })), series: [], createdAt: '2026-01-02T03:04:05.000Z' },
    { dir: path.join(library, 'pkg'), metadata: { name: 'triage', classNames: ['normal', 'nodule'] } },
  );
}, 120_000);

describe('lumen predictions', () => {
  it('lists each image and frame stored for the series, as JSON and as text', async () => {
    const json = await lumen(['predictions', '--series', PATIENT_A.seriesUid, '--library', library, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.seriesInstanceUid).toBe(PATIENT_A.seriesUid);
    expect(out.predictions).toHaveLength(1);
    expect(out.predictions[0]).toMatchObject({ modelHash: HASH, modelName: 'triage', classNames: ['normal', 'nodule'], createdAt: '2026-01-02T03:04:05.000Z' });
    expect(out.predictions[0].images.map((i: { sopInstanceUid: string; frame: number }) => `${i.sopInstanceUid}/${i.frame}`).sort()).toEqual(sops.map((s) => `${s}/0`).sort());
    expect(out.predictions[0].series[0]).toMatchObject({ seriesInstanceUid: PATIENT_A.seriesUid, images: sops.length });

    const text = await lumen(['predictions', '--series', PATIENT_A.seriesUid, '--library', library]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`triage (#${HASH.slice(0, 12)}), ${sops.length} image(s)`);
    expect(text.stdout).toContain(`${sops[0]} frame 1: normal 1.000`);

    const none = await lumen(['predictions', '--series', PATIENT_B.seriesUid, '--library', library, '--json']);
    expect(JSON.parse(none.stdout)).toEqual({ seriesInstanceUid: PATIENT_B.seriesUid, predictions: [] });
  }, 120_000);

  it('refuses a bad UID, an unknown series and a missing library, saying which', async () => {
    const bad = await lumen(['predictions', '--series', 'DROP TABLE', '--library', library]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"DROP TABLE" is not a DICOM UID');
    const unknown = await lumen(['predictions', '--series', '1.2.3.999', '--library', library]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`The library ${library} has no series 1.2.3.999`);
    const missing = path.join(tmpDir('predictions-cli-none'), 'library');
    const absent = await lumen(['predictions', '--series', PATIENT_A.seriesUid, '--library', missing]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`There is no library in ${missing}`);
    expect(fs.existsSync(missing)).toBe(false);
    const noSeries = await lumen(['predictions', '--library', library]);
    expect(noSeries.code).toBe(2);
  }, 120_000);
});
