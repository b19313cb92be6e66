// A data folder copied onto a read-only disk (a disc, a read-only share: a real tmpfs remounted
// read-only, test/support/small-disk.ts) keeps the modes the copy gave it, not Lumen's private
// 0700/0600: Lumen cannot tighten them there. Opening it must not try: the app (the engine) starts
// and shows the library read-only (and answers what the page asks as it opens), and `lumen ls`
// lists it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet } from '../training/phantoms';

const disk = smallDiskForTests('read-only-open', 32);
const ctx: RequestContext = { emit: () => undefined };

/** Gives every folder under `dir` (and `dir`) mode 0755 and every file 0644, as a copy made without keeping modes does. */
function loosen(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]) {
    const p = path.join(e.parentPath, e.name);
    fs.chmodSync(p, e.isDirectory() ? 0o755 : 0o644);
  }
}

describe.skipIf(smallDiskSkip)(`a data folder copied onto a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('the engine starts and shows the library read-only; lumen ls lists it', async () => {
    const data = path.join(disk.dir, 'data');
    const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 2, slices: 1, size: 32, seed: 23 });
    expect((await runLumen(['import', set.dir], data)).code).toBe(0);
    const listed = (await runLumen(['ls', '--json'], data)).stdout;
    loosen(data);
    disk.readOnly();
    try {
      const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
      try {
        const access = await engine.dispatch('library.access', {}, ctx);
        expect(access).toMatchObject({ ok: true });
        expect((access as { value: { readOnly: string | null } }).value.readOnly).toMatch(/read-only disk/);
        // What the page asks for as it opens, and the Training tab's first look.
        for (const [method, input] of [
          ['library.studies', {}],
          ['settings.get', {}],
          ['models.catalog', {}],
          ['pacs.list', {}],
          ['weights.list', {}],
          ['training.labels.overview', {}],
          ['training.packages', {}],
        ] as const) {
          const reply = await engine.dispatch(method, input, ctx);
          expect(reply, `${method}: ${JSON.stringify(reply).slice(0, 300)}`).toMatchObject({ ok: true });
        }
      } finally {
        engine.dispose();
      }
      const ls = await runLumen(['ls', '--json'], data);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toBe(listed);
    } finally {
      disk.writable();
    }
  }, 120_000);
});
