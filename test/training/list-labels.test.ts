// TrainingStore.listLabels on a real SQLite library: named targets of every kind (a study, a
// series, an image, frames of one image), asked once or twice or not at all, come back in the
// order the labels were made, exactly as the whole list filtered by hand; a kind narrows them.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { TrainingStore } from '../../electron/training/store';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-list-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('listLabels', () => {
  it('returns the named targets of every kind, in the order made, as the whole list filtered', () => {
    const lib = Library.open(path.join(dir, 'library'));
    try {
      const store = new TrainingStore(lib);
      // The targets the labels are on (setLabels refuses those the library does not hold): one patient's study, series and images.
      store.db.exec(`INSERT INTO patients (id, patient_key, patient_id, patient_name) VALUES (1, 'P1', 'P1', 'LIST^LABELS');
        INSERT INTO studies (study_uid, patient_ref) VALUES ('1.2.9.1', 1);
        INSERT INTO series (series_uid, study_uid, modality) VALUES ('1.2.9.2', '1.2.9.1', 'CT');
        INSERT INTO instances (sop_uid, series_uid, path, file_size, mtime_ms, frames, imported_at) VALUES
          ('1.2.9.3', '1.2.9.2', '/list-labels/3', 10, 1, 8, '2026-01-01T00:00:00Z'), ('1.2.9.4', '1.2.9.2', '/list-labels/4', 10, 1, 1, '2026-01-01T00:00:00Z');`);
      store.setLabels([{ targetKind: 'study', targetUid: '1.2.9.1', label: 'normal' }]);
      store.setLabels([{ targetKind: 'image', targetUid: '1.2.9.3', frame: 2, label: 'tumour' }]);
      store.setLabels([{ targetKind: 'series', targetUid: '1.2.9.2', label: 'normal' }]);
      store.setLabels([{ targetKind: 'image', targetUid: '1.2.9.3', label: 'normal' }]);
      store.setLabels([{ targetKind: 'image', targetUid: '1.2.9.4', label: 'tumour' }]);
      store.setLabels([{ targetKind: 'image', targetUid: '1.2.9.3', frame: 5, label: 'normal' }]);
      const all = store.listLabels();
      expect(all.map((l) => l.id)).toEqual([...all.map((l) => l.id)].sort((a, b) => a - b));
      expect(all).toHaveLength(6);
      const named = ['1.2.9.3', '1.2.9.1', '1.2.9.3', '1.2.9.99'];
      const listed = store.listLabels({ targetUids: named });
      expect(listed).toEqual(all.filter((l) => named.includes(l.targetUid)));
      expect(listed.map((l) => `${l.targetKind}:${l.targetUid}:${l.frame}`)).toEqual(['study:1.2.9.1:null', 'image:1.2.9.3:2', 'image:1.2.9.3:null', 'image:1.2.9.3:5']);
      expect(store.listLabels({ targetUids: [] })).toEqual([]);
      expect(store.listLabels({ targetUids: ['1.2.9.1', '1.2.9.3'], targetKind: 'image' })).toEqual(all.filter((l) => l.targetKind === 'image' && l.targetUid === '1.2.9.3'));
      expect(store.listLabels({ targetKind: 'series' })).toEqual(all.filter((l) => l.targetKind === 'series'));
    } finally {
      lib.close();
    }
  });
});
