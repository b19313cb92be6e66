// The Remove question's scores said by what they score (common/score-counts.ts). A 5-frame image
// scored frame by frame by an image model that also gave its series a score: the library held 5
// image scores and 1 series score, and the question and `lumen rm` said "6 predictions", counting
// the series' score as one more image's. Real SQLite through the real importer, rows as the
// library's writers write them; `lumen rm` as a user runs it. An undo snapshot written before the
// counts were split (only `predictions`) is counted again from the rows it holds.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { runLumen } from '../support/cli';
import { writeImage } from '../support/dicom/write';
import { tmpDir } from './fixtures';

const UID = '1.2.826.0.1.3680043.10.2020.72';
const STUDY = `${UID}.1`;
const CINE = `${UID}.2.1`;
const OTHER = `${UID}.2.2`;
const MODEL = 'b'.repeat(64);

describe('the scores a removal takes, said apart', () => {
  let work: string;
  let libDir: string;
  beforeAll(async () => {
    work = tmpDir('remove-scores-g20');
    const dicom = path.join(work, 'dicom');
    fs.mkdirSync(dicom, { recursive: true });
    const extra = (series: string, n: number) => ({
      0x0020000d: { vr: 'UI', value: STUDY },
      0x0020000e: { vr: 'UI', value: series },
      0x00080018: { vr: 'UI', value: `${series}.1` },
      0x00200011: { vr: 'IS', value: n },
    }) as const;
    writeImage(path.join(dicom, 'cine.dcm'), { rows: 8, columns: 8, frames: 5, bitsAllocated: 8, modality: 'US', pixelBytes: new Uint8Array(8 * 8 * 5).map((_, i) => i & 0xff), extra: extra(CINE, 1) });
    writeImage(path.join(dicom, 'other.dcm'), { rows: 8, columns: 8, bitsAllocated: 8, modality: 'US', pixelBytes: new Uint8Array(64).fill(3), extra: extra(OTHER, 2) });
    libDir = path.join(work, 'library');
    const library = Library.open(libDir);
    try {
      expect((await library.importPaths([dicom])).imported).toBe(2);
    } finally {
      library.close();
    }
    const db = new Database(path.join(libDir, LIBRARY_FILE));
    const prediction = db.prepare('INSERT INTO predictions (model_hash, target_kind, target_uid, frame, series_uid, scores, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let frame = 0; frame < 5; frame++) prediction.run(MODEL, 'image', `${CINE}.1`, frame, CINE, '{"scores":[0.1,0.9]}', '2026-12-07T00:00:00.000Z');
    db.prepare('INSERT INTO series_predictions (model_hash, series_uid, scores, created_at) VALUES (?, ?, ?, ?)').run(MODEL, CINE, '{"scores":[0.2,0.8]}', '2026-12-07T00:00:00.000Z');
    db.close();
  }, 120_000);
  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the preview counts 5 image scores and 1 series score (6 in all)', () => {
    const library = Library.open(libDir);
    try {
      expect(library.removalPreview({ seriesInstanceUid: CINE })).toMatchObject({ images: 1, frames: 5, predictions: 6, imageScores: 5, seriesScores: 1, studyScores: 0 });
    } finally {
      library.close();
    }
  });

  it('lumen rm says them apart, and so does its undo of a snapshot that held only the total', async () => {
    const removed = await runLumen(['rm', '--series', CINE, '--yes', '--library', libDir], work);
    expect(removed.code, removed.stderr).toBe(0);
    // The 5-frame file is 5 images, as the app's question says it ("5 images (1 file)").
    expect(removed.stdout).toContain(': 5 images (1 file), 0 labels, 0 measurements, 5 image scores, 1 series score, 0 result documents.');
    expect(removed.stdout).not.toContain('prediction');
    const token = /--undo (\S+)/.exec(removed.stdout)![1];
    // As an older Lumen wrote it: the counts without the split.
    const file = path.join(libDir, 'removed', `${token}.json`);
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as { counts: Record<string, unknown> };
    expect(snapshot.counts).toMatchObject({ imageScores: 5, seriesScores: 1 });
    for (const key of ['frames', 'imageScores', 'seriesScores', 'studyScores']) delete snapshot.counts[key];
    fs.writeFileSync(file, JSON.stringify(snapshot));
    const undone = await runLumen(['rm', '--undo', token, '--library', libDir, '--json'], work);
    expect(undone.code, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout).restored).toMatchObject({ frames: 5, predictions: 6, imageScores: 5, seriesScores: 1, studyScores: 0 });
  }, 120_000);
});
