// A label on one frame of a multi-frame file labels that frame only (s14 F5): the requests the
// Training tab makes on a real library of a real 6-frame file and a single-frame file beside it,
// with the real handlers and SQLite. A frame's own label wins over its file's, its series' and
// its study's; the overview counts frames; the CSV carries a `frame` column; undo restores frame
// labels exactly; an older library's labels stay whole-file labels.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { exportResults } from '../../electron/results/export';
import { ResultsStore } from '../../electron/results/store';
import { labelTable } from '../../electron/results/tables';
import { openDatabase } from '../../electron/library/sqlite';
import { TrainingStore } from '../../electron/training/store';
import { writeImage } from '../support/dicom/write';
import { dciodvfy, dsrdump, items, meaning, natural } from '../results/check';
import { trainingRequests } from './support';

const BASE = '1.2.826.0.1.3680043.10.1.777';
const STUDY = `${BASE}.1`;
const SERIES = `${BASE}.2`;
/** The 6-frame file. */
const MULTI = `${BASE}.3`;
/** A single-frame file in the same series. */
const SINGLE = `${BASE}.4`;

function writeFiles(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const frames = 6;
  const pixels = new Uint8Array(8 * 8 * 2 * frames);
  for (let i = 0; i < pixels.length; i += 2) pixels[i] = (i / 128) | 0; // each frame its own value
  // Multi-frame Grayscale Word Secondary Capture: a multi-frame SOP class, as a frame reference asks.
  writeImage(path.join(dir, 'multi.dcm'), { rows: 8, columns: 8, frames, bitsAllocated: 16, bitsStored: 12, modality: 'MR', pixelBytes: pixels, uid: BASE, extra: { 0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7.3' } } });
  writeImage(path.join(dir, 'single.dcm'), {
    rows: 8,
    columns: 8,
    bitsAllocated: 16,
    bitsStored: 12,
    modality: 'MR',
    pixelBytes: new Uint8Array(8 * 8 * 2),
    uid: BASE,
    extra: { 0x00080018: { vr: 'UI', value: SINGLE }, 0x00200013: { vr: 'IS', value: 2 } },
  });
}

let dataDir: string;
const training = trainingRequests();
const { call } = training;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-frame-labels-'));
  writeFiles(path.join(dataDir, 'incoming'));
  const lib = Library.open(path.join(dataDir, 'library'));
  try {
    const report = await lib.importPaths([path.join(dataDir, 'incoming')]);
    expect(report.errors).toEqual([]);
  } finally {
    lib.close();
  }
  training.open(dataDir);
});

afterAll(async () => {
  await training.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every label of the library, cleared before each test. */
async function clearAll(): Promise<void> {
  const labels: { targetKind: string; targetUid: string; frame: number | null }[] = await call('training.labels.list', {});
  if (labels.length) await call('training.labels.clear', { targets: labels.map((l) => ({ kind: l.targetKind, uid: l.targetUid, ...(l.frame === null ? {} : { frame: l.frame }) })) });
}

/** The label training gives each image (frame 0-based, as training reads them), by "sop#frame". */
function trainingLabels(): Record<string, string> {
  const lib = Library.open(path.join(dataDir, 'library'));
  const store = new TrainingStore(lib);
  try {
    return Object.fromEntries(store.labelledImages().map((i) => [`${i.sopInstanceUid === MULTI ? 'multi' : 'single'}#${i.frame}`, i.label]));
  } finally {
    store.close();
    lib.close();
  }
}

beforeEach(clearAll);

describe('frame labels', () => {
  it('Shift+2 on frame 4 of the 6-frame file labels frame 4 only (F5)', async () => {
    const { undoId } = await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'abnormal' });
    expect(undoId).toBeTypeOf('string');
    const listed = await call('training.labels.list', { targetUids: [MULTI] });
    expect(listed).toMatchObject([{ targetKind: 'image', targetUid: MULTI, frame: 4, label: 'abnormal' }]);
    // Training: one image, frame 4 (0-based 3), not all six.
    expect(trainingLabels()).toEqual({ 'multi#3': 'abnormal' });
    const overview = await call('training.labels.overview', {});
    expect(overview.classes).toEqual([{ className: 'abnormal', series: 1, images: 1, patients: 1 }]);
    expect(overview.totals).toMatchObject({ images: 7, unlabelledImages: 6 });
    const preview = await call('training.dataset.preview', { seed: 1 });
    expect(preview.images).toBe(1);
  });

  it("a frame's own label wins over its file's, which wins over its series' and study's", async () => {
    await call('training.labels.set', { targets: [{ kind: 'study', uid: STUDY }], label: 'cyst' });
    await call('training.labels.set', { targets: [{ kind: 'series', uid: SERIES }], label: 'normal' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI }], label: 'tumour' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 2 }, { kind: 'image', uid: MULTI, frame: 6 }], label: 'abnormal' });
    expect(trainingLabels()).toEqual({
      'multi#0': 'tumour',
      'multi#1': 'abnormal',
      'multi#2': 'tumour',
      'multi#3': 'tumour',
      'multi#4': 'tumour',
      'multi#5': 'abnormal',
      'single#0': 'normal',
    });
    const overview = await call('training.labels.overview', {});
    expect(overview.classes).toEqual([
      { className: 'abnormal', series: 1, images: 2, patients: 1 },
      { className: 'normal', series: 1, images: 1, patients: 1 },
      { className: 'tumour', series: 1, images: 4, patients: 1 },
    ]);
    expect(overview.totals).toMatchObject({ images: 7, unlabelledImages: 0 });
    // A frame label on a file without a file label: the other frames take the series' label.
    await call('training.labels.clear', { targets: [{ kind: 'image', uid: MULTI }] });
    expect(Object.values(trainingLabels()).sort()).toEqual(['abnormal', 'abnormal', 'normal', 'normal', 'normal', 'normal', 'normal']);
    // Clearing the whole file's label left the frames' labels.
    expect((await call('training.labels.list', { targetUids: [MULTI] })).map((l: { frame: number | null }) => l.frame).sort()).toEqual([2, 6]);
  });

  it('Shift+0 on a frame clears that frame only; the file label stays', async () => {
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI }], label: 'normal' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'abnormal' });
    await call('training.labels.clear', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }] });
    expect(await call('training.labels.list', { targetUids: [MULTI] })).toMatchObject([{ frame: null, label: 'normal' }]);
  });

  it('undo gives back exactly the frame labels a change replaced', async () => {
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'normal' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 5 }], label: 'normal' });
    const before = await call('training.labels.list', { targetUids: [MULTI] });
    const { undoId } = await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'abnormal' });
    // Frame 5's label is another target: the change leaves it, and the undo does too.
    await call('training.labels.undo', { undoId });
    const after = await call('training.labels.list', { targetUids: [MULTI] });
    // The rows as they were, author and time included (the undo writes them anew: ids differ).
    const rows = (list: { id: number; frame: number }[]) => list.map(({ id: _, ...l }) => l).sort((a, b) => a.frame - b.frame);
    expect(rows(after)).toEqual(rows(before));
    // Clearing a frame undone too.
    const cleared = await call('training.labels.clear', { targets: [{ kind: 'image', uid: MULTI, frame: 5 }] });
    await call('training.labels.undo', { undoId: cleared.undoId });
    expect((await call('training.labels.list', { targetUids: [MULTI] })).map((l: { frame: number; label: string }) => `${l.frame}:${l.label}`).sort()).toEqual(['4:normal', '5:normal']);
  });

  it('refuses a frame the file does not have, naming it', async () => {
    await expect(call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 7 }], label: 'normal' })).rejects.toThrow(/frame 7.*6 frames/);
    await expect(call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 0 }], label: 'normal' })).rejects.toThrow();
    await expect(call('training.labels.set', { targets: [{ kind: 'series', uid: SERIES, frame: 1 }], label: 'normal' })).rejects.toThrow();
    expect(await call('training.labels.list', {})).toEqual([]);
  });

  it('the labels CSV carries the frame and reads back to the same labels', async () => {
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI }], label: 'normal' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'abnormal' });
    await call('training.labels.set', { targets: [{ kind: 'series', uid: SERIES }], label: 'normal' });
    const { csv } = await call('training.labels.exportCsv', {});
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label');
    expect(lines.slice(1).sort()).toEqual([`${STUDY},${SERIES},,,normal`, `${STUDY},${SERIES},${MULTI},,normal`, `${STUDY},${SERIES},${MULTI},4,abnormal`].sort());
    const before = (await call('training.labels.list', {})).map((l: { targetKind: string; targetUid: string; frame: number | null; label: string }) => [l.targetKind, l.targetUid, l.frame, l.label].join(' ')).sort();
    await clearAll();
    const report = await call('training.labels.importCsvText', { text: csv });
    expect(report.problems).toEqual([]);
    const after = (await call('training.labels.list', {})).map((l: { targetKind: string; targetUid: string; frame: number | null; label: string }) => [l.targetKind, l.targetUid, l.frame, l.label].join(' ')).sort();
    expect(after).toEqual(before);
  });

  it('a CSV frame out of range or not a positive integer is named by line and value; a CSV without the column reads as before', async () => {
    const text = ['SOPInstanceUID,Frame,label', `${MULTI},2,normal`, `${MULTI},0,normal`, `${MULTI},7,normal`, `${MULTI},two,normal`, `${MULTI},1.5,normal`, `${SINGLE},2,normal`, `${MULTI},12345678,normal`, `${SINGLE},1,abnormal`, `${MULTI},,cyst`].join('\n');
    const report = await call('training.labels.importCsvText', { text });
    expect(report.problems).toEqual([
      { line: 3, reason: 'frame 0 is not a frame number (1, 2, 3 …)' },
      { line: 4, reason: `frame 7 is past the last frame of SOPInstanceUID ${MULTI} (6 frames)` },
      { line: 5, reason: 'its frame is not a frame number (1, 2, 3 …)' },
      { line: 6, reason: 'frame 1.5 is not a frame number (1, 2, 3 …)' },
      { line: 7, reason: `frame 2 is past the last frame of SOPInstanceUID ${SINGLE} (1 frame)` },
      // A long number is not quoted back: in that column it could be an ID.
      { line: 8, reason: `its frame is past the last frame of SOPInstanceUID ${MULTI} (6 frames)` },
    ]);
    // Frame 1 of a single-frame file is that file.
    expect((await call('training.labels.list', {})).map((l: { targetUid: string; frame: number | null; label: string }) => `${l.targetUid === MULTI ? 'multi' : 'single'}:${l.frame}:${l.label}`).sort()).toEqual(['multi:2:normal', 'multi:null:cyst', 'single:null:abnormal']);
    await clearAll();
    const old = await call('training.labels.importCsvText', { text: `SeriesInstanceUID,SOPInstanceUID,label\n${SERIES},${MULTI},lesion\n` });
    expect(old.problems).toEqual([]);
    expect(await call('training.labels.list', {})).toMatchObject([{ targetKind: 'image', targetUid: MULTI, frame: null, label: 'lesion' }]);
  });
});

describe('migration 29', () => {
  it("keeps an older library's labels, each meaning its whole file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-labels-28-'));
    try {
      const db = openDatabase(path.join(dir, LIBRARY_FILE));
      migrate(db, 28);
      db.prepare("INSERT INTO labels (target_kind, target_uid, label, author, created_at) VALUES ('image', ?, 'lesion', 'ana', '2025-01-01T00:00:00.000Z'), ('series', ?, 'normal', NULL, '2025-01-02T00:00:00.000Z')").run(MULTI, SERIES);
      db.close();
      const lib = Library.open(dir);
      const store = new TrainingStore(lib);
      try {
        expect(store.listLabels().map(({ id: _, ...l }) => l)).toEqual([
          { targetKind: 'image', targetUid: MULTI, frame: null, label: 'lesion', author: 'ana', createdAt: '2025-01-01T00:00:00.000Z' },
          { targetKind: 'series', targetUid: SERIES, frame: null, label: 'normal', author: null, createdAt: '2025-01-02T00:00:00.000Z' },
        ]);
        expect(() => store.db.prepare("INSERT INTO labels (target_kind, target_uid, frame, label, created_at) VALUES ('image', 'x', 0, 'a', 'now')").run()).toThrow(/CHECK/);
        expect(() => store.db.prepare("INSERT INTO labels (target_kind, target_uid, frame, label, created_at) VALUES ('series', 'x', 1, 'a', 'now')").run()).toThrow(/CHECK/);
      } finally {
        store.close();
        lib.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('results of a frame label', () => {
  it("the SR's label group refers to the frame (Referenced Frame Number); dsrdump and dciodvfy read it; the labels table names the frame", async () => {
    await clearAll();
    await call('training.labels.set', { targets: [{ kind: 'image', uid: MULTI, frame: 4 }], label: 'abnormal' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: SINGLE }], label: 'normal' });
    const out = path.join(dataDir, 'sr-out');
    const lib = Library.open(path.join(dataDir, 'library'));
    try {
      const exported = await exportResults(lib, { uid: SERIES, model: null, out });
      expect(exported.labels).toBe(2);
      const file = exported.files.find((f) => f.kind === 'measurements-sr')!.file;
      const groups = items(items(natural(file).ContentSequence).find((c) => meaning(c) === 'Imaging Measurements').ContentSequence).filter((g) => meaning(g) === 'Measurement Group');
      const refsOf = (g: any) => items(g.ContentSequence).filter((c) => c.ValueType === 'IMAGE').map((c) => items(c.ReferencedSOPSequence)[0]);
      const byLabel = Object.fromEntries(groups.map((g) => [items(items(g.ContentSequence).find((c) => meaning(c) === 'Finding').ConceptCodeSequence)[0].CodeMeaning, refsOf(g)]));
      expect(byLabel.abnormal).toEqual([expect.objectContaining({ ReferencedSOPInstanceUID: MULTI, ReferencedFrameNumber: 4 })]);
      expect(byLabel.normal).toHaveLength(1);
      expect(byLabel.normal[0].ReferencedSOPInstanceUID).toBe(SINGLE);
      expect(byLabel.normal[0].ReferencedFrameNumber).toBeUndefined();
      // dcmtk reads the reference with its frame.
      const dump = dsrdump(file);
      const source = (label: string) => /IMAGE:\(,,"Source"\)=\(([^)]*)\)/.exec(dump.slice(dump.indexOf(`Finding")=(${label},`)))?.[1];
      expect(source('abnormal')).toBe('SCw image,,4');
      expect(source('normal')).toBe('SC image,');
      expect(dciodvfy(file).errors).toEqual([]);
      const table = labelTable(new ResultsStore(lib), { seriesInstanceUid: SERIES });
      expect(table.columns).toContain('frame');
      expect(table.rows.map((r) => `${r.sopInstanceUid === MULTI ? 'multi' : 'single'}:${r.frame}:${r.label}`).sort()).toEqual(['multi:4:abnormal', 'single:1:normal']);
    } finally {
      lib.close();
    }
  });
});
