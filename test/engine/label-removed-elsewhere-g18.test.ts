// Task T's finding T6 (moved here by G2): the app (or `lumen serve`) shows a study that `lumen rm` in
// another process has just removed; the app's study list does not follow changes made by another
// process (library.changed is emitted only for the engine's own imports and removals). Labelling it
// there (training.labels.set) answers "1 labelled" and stores a label on a study the library no
// longer holds, which no overview counts; `lumen labels import` refuses the same target ("… is not
// in the library"). Should: refuse in words naming the target, store nothing. Fails before the fix.
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { runLumen } from '../support/cli';
import { engineRequests } from '../support/engine';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';

const t = tempFolderForTests('t-label-removed', (dir) => ({ set: writeManyCt(path.join(dir, 'dicom'), { studies: 2, series: 1, slices: 2, root: '91', name: 'LBL' }) }));
let engine: Engine | undefined;
afterAll(() => engine?.dispose());

describe('labelling in the app what the CLI removed meanwhile', () => {
  it('is refused in words and stores no label', async () => {
    const data = path.join(t.dir, 'data');
    expect((await runLumen(['import', t.set.dir], data)).code).toBe(0);
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    const { call } = engineRequests(() => engine!);
    const [study] = t.set.studyUids;
    const [series] = t.set.seriesUids;
    expect((await call('library.series', { seriesInstanceUid: series })).images).toHaveLength(2);
    // Another process removes the study while the app shows it.
    const rm = await runLumen(['rm', '--study', study, '--yes'], data);
    expect(rm.code, rm.stderr).toBe(0);
    for (const target of [{ kind: 'study', uid: study }, { kind: 'series', uid: series }]) {
      await expect(call('training.labels.set', { targets: [target], label: 'yes' })).rejects.toThrow(new RegExp(`${target.uid.replace(/\./g, '\\.')}.*(not in the library|removed)`));
    }
    const db = new Database(path.join(data, 'library', 'library.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM labels').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 120_000);
});
