// deleted-packages/ is hostile like any folder Lumen reads: a FIFO (or socket, or device) put
// there as an entry, as an entry's record.json, as the folder a delete moved aside, or as
// deleted-packages/ itself. Opening a FIFO blocks until a writer comes, so each step (the
// engine's start-up clean-up, its list of deletions to undo, Undo, the put-back of a delete that
// died half way, the CLI's delete) runs in a child process that must end by itself; none may put
// a FIFO into models/ where a package was, nor remove anything outside deleted-packages/.
// Real packages (test/support/tiny-package.ts), the versions layout training makes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thisProcess } from '../../common/node/run-owner';
import { deletedDir, listPackages } from '../../electron/engine/predict/packages';
import { placeKeepingEarlier } from '../../models/package/versions';
import { saveTinyNetPackage } from '../support/tiny-package';

const PACKAGES = pathToFileURL(path.resolve(__dirname, '../../electron/engine/predict/packages.ts')).href;
/** The session the deletes below belong to: this test's process (the app's Undo is its session's). */
const session = thisProcess();

let root: string;
let dataDir: string;
let models: string;
let trash: string;
let outside: string;
/** A process id no process has (one that has ended). */
let deadPid: number;

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * packages.ts's `op`(...args) in a child process, which must end by itself within a minute: a
 * FIFO opened for reading would hold it there (and would hold the engine for good).
 */
function inChild(op: string, ...args: unknown[]): Outcome {
  const code = `
    import * as p from ${JSON.stringify(PACKAGES)};
    const [op, args] = JSON.parse(process.argv[1]);
    let out;
    try { out = { ok: true, value: await p[op](...args) }; } catch (e) { out = { ok: false, error: String(e && e.message) }; }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, JSON.stringify([op, args])], { encoding: 'utf8', timeout: 60_000, cwd: path.resolve(__dirname, '../..') });
  if (r.error || r.signal) throw new Error(`${op} did not end by itself (${r.error?.message ?? r.signal}): it blocked on the FIFO. stderr: ${r.stderr}`);
  if (r.status !== 0) throw new Error(`${op} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Outcome;
}

const mkfifo = (p: string) => execFileSync('mkfifo', [p]);
const isFifo = (p: string) => lstatSync(p).isFIFO();
/** Every path under `dir` with what it is, from lstat alone (never opened: a FIFO among them would block a read). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((p) => {
      const st = lstatSync(path.join(dir, p));
      return `${p} ${st.isDirectory() ? 'folder' : st.isFile() ? `file ${st.size}` : 'other'}`;
    });
}
const listing = async () => (await listPackages(dataDir)).packages.map((p) => [path.relative(models, p.dir), p.contentHash]).sort();

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-package-delete-fifo-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  trash = deletedDir(dataDir);
  mkdirSync(models, { recursive: true });
  for (const v of ['1', '2']) {
    const temp = path.join(models, `knee-${v}-new`);
    await saveTinyNetPackage(temp, `knee-${v}`);
    placeKeepingEarlier(models, temp, path.join(models, 'knee'));
    await new Promise((r) => setTimeout(r, 20)); // made one after the other
  }
  await saveTinyNetPackage(path.join(models, 'hip'), 'hip');
  // What must survive everything below: a folder beside the data folder.
  outside = path.join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep.txt'), 'not Lumen\'s');
  deadPid = spawnSync('true').pid!;
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a FIFO in deleted-packages/', () => {
  it('as an entry: listed as nothing, never undone, removed itself once stale', async () => {
    mkdirSync(trash, { recursive: true });
    const stale = `2026-01-01T00-00-00-000Z-${deadPid}-0badf00d`;
    const live = `2026-01-01T00-00-00-000Z-${process.pid}-0badf00d`;
    mkfifo(path.join(trash, stale));
    mkfifo(path.join(trash, live));
    const before = await listing();
    expect(inChild('listDeleted', dataDir, session)).toEqual({ ok: true, value: [] });
    expect(inChild('recoverInterruptedDeletes', dataDir)).toEqual({ ok: true, value: { restored: [], problems: [] } });
    const undo = inChild('undoDelete', dataDir, stale);
    expect(undo.ok).toBe(false);
    expect(!undo.ok && undo.error).toMatch(/There is nothing to undo under/);
    // The engine's start-up clean-up: the stale one goes (unlinked, never opened), the live process's stays.
    expect(inChild('purgeDeleted', dataDir, 'stale', session)).toEqual({ ok: true, value: 1 });
    expect(readdirSync(trash)).toEqual([live]);
    expect(isFifo(path.join(trash, live))).toBe(true);
    rmSync(path.join(trash, live));
    expect(await listing()).toEqual(before);
  });

  it('as a record: the entry does not read, nothing is undone, and it goes once stale', async () => {
    const name = `2026-01-02T00-00-00-000Z-${deadPid}-0badf00d`;
    const entry = path.join(trash, name);
    mkdirSync(entry);
    mkfifo(path.join(entry, 'record.json'));
    const before = await listing();
    expect(inChild('listDeleted', dataDir, session)).toEqual({ ok: true, value: [] });
    expect(inChild('recoverInterruptedDeletes', dataDir)).toEqual({ ok: true, value: { restored: [], problems: [] } });
    const undo = inChild('undoDelete', dataDir, name);
    expect(!undo.ok && undo.error).toBe(`${path.join(entry, 'record.json')} does not say what was deleted (${path.join(entry, 'record.json')} is not a regular file (a FIFO).).`);
    expect(inChild('purgeDeleted', dataDir, 'stale', session)).toEqual({ ok: true, value: 1 });
    expect(readdirSync(trash)).toEqual([]);
    expect(await listing()).toEqual(before);
  });

  it('as the folder a delete moved aside: Undo refuses to put it back as the package', async () => {
    const before = await listing();
    const deleted = inChild('deletePackage', dataDir, path.join(models, 'knee'), { session });
    expect(deleted.ok).toBe(true);
    const { undoId } = (deleted as { value: { undoId: string } }).value;
    const entry = path.join(trash, undoId);
    // The newest version went aside as "0"; the earlier one now runs under the name.
    const running = await listing();
    expect(running).toHaveLength(before.length - 1);
    // Swapped for a FIFO behind Lumen's back (the folder moved elsewhere).
    renameSync(path.join(entry, '0'), path.join(root, 'moved-away'));
    mkfifo(path.join(entry, '0'));
    expect(inChild('listDeleted', dataDir, session)).toMatchObject({ ok: true, value: [{ undoId }] });
    const undo = inChild('undoDelete', dataDir, undoId);
    expect(!undo.ok && undo.error).toBe(`Refusing to put back ${path.join(entry, '0')}: it is a FIFO, not the folder Lumen moved aside. Nothing was put back.`);
    expect(isFifo(path.join(entry, '0'))).toBe(true);
    // Nothing moved: the FIFO stays in the entry, the name keeps running the earlier version.
    expect(isFifo(path.join(entry, '0'))).toBe(true);
    expect(await listing()).toEqual(running);
    expect(existsSync(path.join(models, 'knee.versions'))).toBe(false);
    // This session's: removed for good when the app closes (the FIFO unlinked with its entry).
    expect(inChild('purgeDeleted', dataDir, { id: undoId }, session)).toEqual({ ok: true, value: 1 });
    expect(existsSync(entry)).toBe(false);
    expect(await listing()).toEqual(running);
  });

  it('as the folder of a delete that died half way: the start-up put-back refuses it and removes nothing', async () => {
    const running = await listing();
    const name = `2026-01-03T00-00-00-000Z-${deadPid}-0badf00d`;
    const entry = path.join(trash, name);
    mkdirSync(entry);
    mkfifo(path.join(entry, '0'));
    // A delete of hip, killed after its first rename (so says its record), whose folder became a FIFO.
    const record = { id: name, pid: deadPid, state: 'moving', deletedAt: '2026-01-03T00:00:00.000Z', moves: [{ from: 'hip-gone', to: '0' }], promoted: [] };
    writeFileSync(path.join(entry, 'record.json'), JSON.stringify(record));
    const recovered = inChild('recoverInterruptedDeletes', dataDir);
    expect(recovered).toEqual({ ok: true, value: { restored: [], problems: [`Refusing to put back ${path.join(entry, '0')}: it is a FIFO, not the folder Lumen moved aside. Nothing was put back.`] } });
    expect(existsSync(path.join(models, 'hip-gone'))).toBe(false);
    // Never removed while half done: it stays for a person to look at.
    expect(inChild('purgeDeleted', dataDir, 'stale', session)).toEqual({ ok: true, value: 0 });
    expect(isFifo(path.join(entry, '0'))).toBe(true);
    expect(await listing()).toEqual(running);
    rmSync(entry, { recursive: true });
  });

  it('as deleted-packages/ itself: nothing listed or removed, and a delete says why', async () => {
    const running = await listing();
    const snapshot = tree(models);
    rmSync(trash, { recursive: true, force: true });
    mkfifo(trash);
    expect(inChild('listDeleted', dataDir, session)).toEqual({ ok: true, value: [] });
    expect(inChild('purgeDeleted', dataDir, 'stale', session)).toEqual({ ok: true, value: 0 });
    const deleted = inChild('deletePackage', dataDir, path.join(models, 'hip'), { session });
    expect(!deleted.ok && deleted.error).toMatch(new RegExp(`^Cannot delete .*: the folder deleted packages wait in for Undo, ${trash.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, cannot be made \\(.*\\)\\. Nothing was deleted\\.$`));
    expect(isFifo(trash)).toBe(true);
    expect(await listing()).toEqual(running);
    expect(tree(models)).toEqual(snapshot);
    rmSync(trash);
  });

  it('removed nothing outside deleted-packages/', () => {
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    expect(existsSync(path.join(root, 'moved-away'))).toBe(true);
  });
});
