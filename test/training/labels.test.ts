// Labelling that is fast (issue #18, point 5), through the real handlers on a real library:
// CSV text as the app sends it (a chosen or dropped file), export that imports back to the
// same labels, one undo per change (several series at once, an import), the overview per
// class and per patient, and next unlabelled in the study list's order.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { TrainingStore } from '../../electron/training/store';
import { writePhantomSet, type PhantomSet } from './phantoms';
import { phantomDataDir, trainingRequests } from './support';

let dataDir: string;
let set: PhantomSet;
const training = trainingRequests();
const { call } = training;

const labels = async () => ((await call('training.labels.list', {})) as { targetKind: string; targetUid: string; label: string; author: string | null; createdAt: string }[]).map((l) => `${l.targetKind} ${l.targetUid} ${l.label}`).sort();

async function clearAll(): Promise<void> {
  const all = (await call('training.labels.list', {})) as { targetKind: 'image' | 'series' | 'study'; targetUid: string }[];
  if (all.length) await call('training.labels.clear', { targets: all.map((l) => ({ kind: l.targetKind, uid: l.targetUid })) });
}

beforeAll(async () => {
  ({ dataDir, set } = await phantomDataDir('labels', (dir) => writePhantomSet(dir, { patients: 6, slices: 2, size: 32, seed: 18 })));
  training.open(dataDir);
}, 60_000);

afterAll(async () => {
  await training.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(clearAll);

describe('label CSV export and import', () => {
  it('exports every label as CSV that imports back to the same labels, formula-like and quoted class names included', async () => {
    const [a, b, c] = set.patients;
    await call('training.labels.set', { targets: [{ kind: 'series', uid: a.seriesUid }], label: 'round' });
    await call('training.labels.set', { targets: [{ kind: 'study', uid: b.studyUid }], label: '=cmd|x' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: c.sops[1] }], label: 'say "a, b"' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: a.sops[0] }], label: '-1' });
    // A label whose target has left the library (removed after it was labelled: training.labels.set
    // refuses a target the library does not hold) is still exported, by its own UID alone.
    const lib = Library.open(path.join(dataDir, 'library'));
    try {
      new TrainingStore(lib).db.prepare("INSERT INTO labels (target_kind, target_uid, label, created_at) VALUES ('series', '1.2.3.4.5', 'gone', ?)").run(new Date().toISOString());
    } finally {
      lib.close();
    }
    const before = await labels();

    const out = await call('training.labels.exportCsv', {});
    expect(out.rows).toBe(5);
    const lines = (out.csv as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label');
    // The image's row names its series and study; the formula is inert in a spreadsheet.
    expect(lines).toContain(`${a.studyUid},${a.seriesUid},${a.sops[0]},,'-1`);
    expect(lines).toContain(`${b.studyUid},,,,'=cmd|x`);
    expect(lines).toContain(`${c.studyUid},${c.seriesUid},${c.sops[1]},,"say ""a, b"""`);
    expect(lines).toContain(',1.2.3.4.5,,,gone');
    // UIDs only: no patient's name or ID.
    for (const p of set.patients) {
      expect(out.csv).not.toContain(p.patientId);
    }

    await clearAll();
    expect(await labels()).toEqual([]);
    const report = await call('training.labels.importCsvText', { text: out.csv });
    expect(report.rows).toBe(5);
    expect(report.labelled).toEqual({ image: 2, series: 1, study: 1 });
    expect(report.problems).toEqual([{ line: 6, reason: 'SeriesInstanceUID 1.2.3.4.5 is not in the library' }]);
    expect(await labels()).toEqual(before.filter((l) => !l.includes('1.2.3.4.5')));
  });

  it('reports unusable rows by line without quoting them, and refuses text over the limit before the engine sees it', async () => {
    const [a, b] = set.patients;
    const text = [
      'PatientID,SeriesInstanceUID,label',
      `,${a.seriesUid},round`,
      `${b.patientId},,none`,
      `,${a.seriesUid},`,
      ',not-a-uid-Smith^John,round',
      'NOBODY,,round',
      ',,round',
    ].join('\n');
    const report = await call('training.labels.importCsvText', { text });
    expect(report.rows).toBe(6);
    expect(report.labelled).toEqual({ image: 0, series: 1, study: 1 });
    expect(report.classes).toEqual({ round: 1, none: 1 });
    expect(report.problems).toEqual([
      { line: 4, reason: 'empty label' },
      { line: 5, reason: 'its SeriesInstanceUID is not a DICOM UID (digits and dots)' },
      { line: 6, reason: 'its PatientID is not in the library' },
      { line: 7, reason: 'no UID or PatientID on this row' },
    ]);
    expect(JSON.stringify(report)).not.toMatch(/Smith|NOBODY|PH0/);
    await expect(call('training.labels.importCsvText', { text: 'a'.repeat(8 * 1024 * 1024 + 1) })).rejects.toThrow();
    await expect(call('training.labels.importCsvText', { text: 'SeriesInstanceUID\n1.2.3' })).rejects.toThrow('has no "label" column');
  });

  it("reads a spreadsheet's CSV (BOM, semicolons, quoted separators, CRLF, blank lines) and names the lines as the file has them", async () => {
    const [a, b, c] = set.patients;
    const text = `\uFEFF${[
      '"PatientID";"SeriesInstanceUID";"label";"Note"',
      `"${a.patientId}";;"round";"checked; twice"`,
      '',
      `;"${b.seriesUid}";square;`,
      // One patient under two classes: a slip in the sheet, which the import must not settle by picking one.
      `;"${c.seriesUid}";"round";"first reader"`,
      `"${c.patientId}";;"square";"second reader"`,
      '"NOBODY";;"round";',
    ].join('\r\n')}\r\n\r\n\r\n`;
    const report = await call('training.labels.importCsvText', { text });
    expect(report.rows).toBe(5);
    expect(report.labelled).toEqual({ image: 0, series: 1, study: 1 });
    expect(report.classes).toEqual({ round: 1, square: 1 });
    expect(report.problems).toEqual([
      { line: 5, reason: 'line 6 gives these images another class: neither row is used; keep the one that is right' },
      { line: 6, reason: 'line 5 gives these images another class: neither row is used; keep the one that is right' },
      { line: 7, reason: 'its PatientID is not in the library' },
    ]);
    expect(await labels()).toEqual([`series ${b.seriesUid} square`, `study ${a.studyUid} round`].sort());
    expect(JSON.stringify(report)).not.toMatch(/PH0|NOBODY/);
  });
});

describe('undo', () => {
  it('labels several series in one request and undoes them in one step, back to what each had', async () => {
    const [a, b, c] = set.patients;
    await call('training.labels.set', { targets: [{ kind: 'series', uid: a.seriesUid }], label: 'round' });
    const before = await labels();
    const r = await call('training.labels.set', { targets: [a, b, c].map((p) => ({ kind: 'series', uid: p.seriesUid })), label: 'elongated' });
    expect(r.count).toBe(3);
    expect((await labels()).filter((l) => l.endsWith('elongated'))).toHaveLength(3);
    const undone = await call('training.labels.undo', { undoId: r.undoId });
    expect(undone).toEqual({ count: 3, what: 'labelling of 3 series' });
    expect(await labels()).toEqual(before);
    // Once only.
    await expect(call('training.labels.undo', { undoId: r.undoId })).rejects.toThrow('can no longer be undone');
    const studies = await call('training.labels.set', { targets: [a, b].map((p) => ({ kind: 'study', uid: p.studyUid })), label: 'none' });
    expect(await call('training.labels.undo', { undoId: studies.undoId })).toEqual({ count: 2, what: 'labelling of 2 studies' });
  });

  it('undoes an import: the labels it replaced come back with their author and time', async () => {
    const [a, b] = set.patients;
    await call('training.labels.set', { targets: [{ kind: 'series', uid: a.seriesUid }], label: 'round' });
    const kept = (await call('training.labels.list', {})) as unknown[];
    const report = await call('training.labels.importCsvText', { text: `SeriesInstanceUID,label\n${a.seriesUid},none\n${b.seriesUid},none\n` });
    expect(report.labelled.series).toBe(2);
    expect((await labels()).filter((l) => l.endsWith(' none'))).toHaveLength(2);
    expect(await call('training.labels.undo', { undoId: report.undoId })).toEqual({ count: 2, what: 'import of 2 labels' });
    expect(await call('training.labels.list', {})).toEqual([expect.objectContaining({ ...(kept[0] as object), id: expect.any(Number) })]);
  });

  it('refuses to undo a change whose labels have changed since, and changes nothing', async () => {
    const [a, b] = set.patients;
    const r = await call('training.labels.set', { targets: [a, b].map((p) => ({ kind: 'series', uid: p.seriesUid })), label: 'round' });
    await call('training.labels.set', { targets: [{ kind: 'series', uid: b.seriesUid }], label: 'none' });
    const now = await labels();
    await expect(call('training.labels.undo', { undoId: r.undoId })).rejects.toThrow('some of its labels have been changed since. Nothing was undone.');
    expect(await labels()).toEqual(now);
  });
});

describe('overview and next unlabelled', () => {
  it('counts labels per class and per patient, what is unlabelled, and warns of classes too small to split', async () => {
    const [a, b, c] = set.patients;
    await call('training.labels.set', { targets: [a, b].map((p) => ({ kind: 'series', uid: p.seriesUid })), label: 'round' });
    await call('training.labels.set', { targets: [{ kind: 'image', uid: c.sops[0] }], label: 'none' });
    const o = await call('training.labels.overview', {});
    expect(o.classes).toEqual([
      { className: 'none', series: 1, images: 1, patients: 1 },
      { className: 'round', series: 2, images: 4, patients: 2 },
    ]);
    expect(o.totals).toEqual({ patients: 6, series: 6, images: 12, unlabelledSeries: 3, unlabelledImages: 7 });
    const pc = o.patients.find((p: { name: string }) => p.name === c.patientName);
    expect(pc).toMatchObject({ classes: { none: 1 }, labelledSeries: 1, unlabelledSeries: 0, unlabelledImages: 1 });
    expect(pc.pseudonym).toMatch(/^p-[0-9a-f]{16}$/);
    expect(o.warnings).toEqual([
      'Class "none" has only 1 patient: a patient-level split needs at least 3 (one each for training, validation and test); label more patients of this class.',
      'Class "round" has only 2 patients: a patient-level split needs at least 3 (one each for training, validation and test); label more patients of this class.',
    ]);
    // Patients by name and pseudonym: no field is a PatientID.
    for (const p of set.patients) expect(JSON.stringify(o)).not.toContain(`"${p.patientId}"`);
  });

  it('opens the next series without a label in the study list order, going round, and none when all are labelled', async () => {
    const order = ((await (async () => {
      const lib = Library.open(path.join(dataDir, 'library'));
      try {
        return lib.listStudiesWithSeries().flatMap((st) => st.series.map((se) => se.seriesInstanceUid));
      } finally {
        lib.close();
      }
    })()) as string[]);
    expect(order).toHaveLength(6);
    // Label the 2nd and 3rd of the list: after the 1st comes the 4th.
    await call('training.labels.set', { targets: order.slice(1, 3).map((uid) => ({ kind: 'series', uid })), label: 'round' });
    expect(await call('training.labels.nextUnlabelled', { after: order[0] })).toMatchObject({ seriesInstanceUid: order[3], unlabelledSeries: 4 });
    expect(await call('training.labels.nextUnlabelled', {})).toMatchObject({ seriesInstanceUid: order[0] });
    // From the last, round to the first.
    expect(await call('training.labels.nextUnlabelled', { after: order[5] })).toMatchObject({ seriesInstanceUid: order[0] });
    // An image label makes its series labelled.
    await call('training.labels.set', { targets: [{ kind: 'image', uid: set.patients.find((p) => p.seriesUid === order[3])!.sops[1] }], label: 'none' });
    expect(await call('training.labels.nextUnlabelled', { after: order[0] })).toMatchObject({ seriesInstanceUid: order[4], unlabelledSeries: 3 });
    await call('training.labels.set', { targets: order.map((uid) => ({ kind: 'series', uid })), label: 'none' });
    expect(await call('training.labels.nextUnlabelled', { after: order[0] })).toBeNull();
  });
});
