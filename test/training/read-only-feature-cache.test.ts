// The Training tab's reading requests on a data folder whose disk is read-only (a real tmpfs
// remounted read-only, test/support/small-disk.ts), when the folder still holds the feature cache
// an older Lumen kept there (<data>/feature-cache, removed when the training requests first open
// the library). Training is disabled on such a disk, but listing labels, the data set, runs and
// packages must work: the cleanup that cannot run now is left for a writable disk.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet } from './phantoms';

const disk = smallDiskForTests('read-only-feature-cache', 32);
const ctx: RequestContext = { emit: () => undefined };

describe.skipIf(smallDiskSkip)(`an old feature cache on a read-only data folder${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it("the Training tab's reading requests answer; the old cache goes once the disk is writable", async () => {
    const data = path.join(disk.dir, 'data');
    const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 3, slices: 1, size: 32, seed: 11 });
    expect((await runLumen(['import', set.dir], data)).code).toBe(0);
    expect((await runLumen(['labels', 'import', set.csv], data)).code).toBe(0);
    const old = path.join(data, 'feature-cache', 'ab');
    fs.mkdirSync(old, { recursive: true });
    fs.writeFileSync(path.join(old, `ab${'0'.repeat(62)}.f32`), new Uint8Array(16));
    disk.readOnly();
    let engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      for (const [method, input] of [
        ['training.labels.overview', {}],
        ['training.labels.list', {}],
        ['training.labels.nextUnlabelled', {}],
        ['training.labels.exportCsv', {}],
        ['training.dataset.preview', {}],
        ['training.runs', {}],
        ['training.packages', {}],
      ] as const) {
        const reply = await engine.dispatch(method, input, ctx);
        expect(reply, method).toMatchObject({ ok: true });
      }
    } finally {
      engine.dispose();
      disk.writable();
    }
    expect(fs.existsSync(old)).toBe(true);
    // Writable again: the first training request removes it, as before.
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      expect(await engine.dispatch('training.labels.overview', {}, ctx)).toMatchObject({ ok: true });
    } finally {
      engine.dispose();
    }
    expect(fs.existsSync(path.join(data, 'feature-cache'))).toBe(false);
  }, 180_000);
});
