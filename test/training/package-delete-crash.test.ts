// An engine that dies in the middle of deleting a package never loses it: the real engine (a
// child process of EngineHost, as in the app) is killed (SIGKILL, LUMEN_TEST_DELETE_CRASH_AFTER)
// right after each change a delete makes on disk, in turn, and the engine the same app session
// starts next finds either the package in place, as before the delete, or a finished deletion
// that Undo puts back (listed by models.deletedPackages, as the page that asked never got the
// reply). A delete half done by a process that still runs (the CLI beside the app)
// is left to it; one whose process has died is rolled back, whichever engine finds it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { deletedDir, purgeDeleted } from '../../electron/engine/predict/packages';
import { thisProcess } from '../../common/node/run-owner';
import { kneeWithTwoVersions } from '../support/knee-versions';
import { saveTinyNetPackage } from '../support/tiny-package';
import { treeSnapshot } from '../support/tree-snapshot';

let root: string;
let dataDir: string;
let models: string;
const hashes: Record<string, string> = {};

/** Every file under models/ with its first bytes: the state a delete must leave or restore. */
const snapshot = () => treeSnapshot(models);

const waiting = () => (existsSync(deletedDir(dataDir)) ? readdirSync(deletedDir(dataDir)) : []);

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-delete-crash-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  // knee has two versions, each with its report: deleting the newest moves two things aside and
  // renames two (the earlier version and its report take the name).
  Object.assign(hashes, await kneeWithTwoVersions(dataDir));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('an engine killed at each step of a delete', () => {
  it('leaves the package in place or a deletion Undo puts back, never neither', async () => {
    const before = snapshot();
    expect(before.filter((l) => l.includes('.report.html ')).length).toBe(2);
    const outcomes: string[] = [];
    // One app session (one host), as in the app: after a crash it starts a new engine on the next
    // request. An engine reads LUMEN_TEST_DELETE_CRASH_AFTER from the environment it was started
    // with, so the one that takes step n's delete is started with n: the first on the first
    // request, each next one on the request after a crash, which first checks what the dead one
    // left (it makes no delete before that, so its own crash point is not reached).
    const crashAfter = (step: number) => {
      process.env.LUMEN_TEST_DELETE_CRASH_AFTER = String(step);
    };
    const host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    try {
      crashAfter(1);
      for (let step = 1; step <= 12; step++) {
        const reply = await host.request('models.deletePackage', { packageHash: hashes['2'] });
        if (reply.ok) {
          outcomes.push('finished');
          // Every step was crashed at: the last run went through, and its Undo works.
          expect((reply.value as { message: string }).message).toBe(`Deleted knee version 2 #${hashes['2'].slice(0, 12)} (knee, knee.report.html). knee now runs version 1 #${hashes['1'].slice(0, 12)}.`);
          const undo = await host.request('models.undoDelete', { undoId: (reply.value as { undoId: string }).undoId });
          expect(undo.ok).toBe(true);
          expect(snapshot()).toEqual(before);
          break;
        }
        expect(reply.error.message, `step ${step}`).toMatch(/^The engine stopped \(SIGKILL\) while handling "models.deletePackage"/);
        // The app session starts a new engine on the next request; it finds what the dead one left.
        crashAfter(step + 1);
        const catalog = await host.request('models.catalog', {});
        expect(catalog.ok, `step ${step}`).toBe(true);
        const left = waiting();
        if (left.length === 0) {
          outcomes.push('in place');
          expect(snapshot(), `step ${step}: no deletion waits, so knee must be as it was`).toEqual(before);
        } else {
          outcomes.push('undoable');
          expect(left, `step ${step}`).toHaveLength(1);
          // The page that asked never got the reply: the session's list offers it with what the delete said.
          const listed = await host.request('models.deletedPackages', {});
          expect(listed.ok && listed.value, `step ${step}`).toEqual({ deleted: [{ undoId: left[0], message: `Deleted knee version 2 #${hashes['2'].slice(0, 12)} (knee, knee.report.html). knee now runs version 1 #${hashes['1'].slice(0, 12)}.`, deletedAt: expect.any(String) }] });
          const undo = await host.request('models.undoDelete', { undoId: left[0] });
          expect(undo.ok ? 'undone' : undo.error.message, `step ${step}`).toBe('undone');
          expect(snapshot(), `step ${step}`).toEqual(before);
          expect(waiting()).toEqual([]);
        }
      }
    } finally {
      delete process.env.LUMEN_TEST_DELETE_CRASH_AFTER;
      await host.close();
    }
    // The record, two moves aside, two renames to the name, the record finished: each crashed at once.
    expect(outcomes).toEqual(['in place', 'in place', 'in place', 'in place', 'in place', 'undoable', 'finished']);
  }, 600_000);
});

describe('a delete half done by another process', () => {
  it('is left alone while its process runs, and rolled back once it has died', async () => {
    await saveTinyNetPackage(path.join(models, 'hip'), 'hip');
    const before = snapshot();
    // As a `lumen models delete` in another terminal leaves it between its first and second move.
    const mover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const id = `2026-01-01T00-00-00-000Z-${mover.pid}-0123abcd`;
      const entry = path.join(deletedDir(dataDir), id);
      mkdirSync(entry, { recursive: true });
      const owner = { pid: mover.pid!, host: os.hostname() };
      writeFileSync(path.join(entry, 'record.json'), JSON.stringify({ id, pid: mover.pid, session: owner, engine: owner, state: 'moving', deletedAt: new Date().toISOString(), moves: [{ from: 'hip', to: '0' }, { from: 'hip.report.html', to: '1' }], promoted: [] }));
      renameSync(path.join(models, 'hip'), path.join(entry, '0'));
      expect(purgeDeleted(dataDir, 'stale', thisProcess())).toBe(0);
      expect(purgeDeleted(dataDir, 'mine', owner)).toBe(0);
      expect(waiting()).toEqual([id]);
      expect(existsSync(path.join(entry, '0', 'metadata.json'))).toBe(true);
      mover.kill('SIGKILL');
      await new Promise((r) => mover.once('exit', r));
      // Its process is gone: the next purge (an engine's start) puts hip back and removes the empty entry.
      purgeDeleted(dataDir, 'stale', thisProcess());
      expect(waiting()).toEqual([]);
      expect(snapshot()).toEqual(before);
    } finally {
      mover.kill('SIGKILL');
    }
  });
});
