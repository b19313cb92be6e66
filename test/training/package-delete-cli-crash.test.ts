// `lumen models delete` killed half way (SIGKILL after its second change on disk,
// LUMEN_TEST_DELETE_CRASH_AFTER) leaves a deletion marked as moving, with knee half moved
// aside. The next `lumen models delete` puts such a deletion back before it does anything, as
// an engine does when it starts, so the package a killed CLI was deleting is whole again
// without an app having to be opened.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/crash';
import { kneeWithTwoVersions } from '../support/knee-versions';
import { saveTinyNetPackage } from '../support/tiny-package';
import { treeSnapshot } from '../support/tree-snapshot';

let root: string;
let dataDir: string;
let models: string;

/** Every file under models/ with its first bytes: the state a delete must leave or restore. */
const snapshot = () => treeSnapshot(models);

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-delete-cli-crash-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  await kneeWithTwoVersions(dataDir);
  await saveTinyNetPackage(path.join(models, 'ankle'), 'ankle');
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen models delete after a killed one', () => {
  it('puts back the half-done deletion of a killed lumen models delete first', async () => {
    const before = snapshot().filter((l) => !l.startsWith('ankle/'));
    const killed = await runLumen(['models', 'delete', 'knee', '--yes'], { LUMEN_DATA_DIR: dataDir, LUMEN_TEST_DELETE_CRASH_AFTER: '2' });
    expect(killed.code).toBeNull(); // killed by its signal, not ended
    expect(snapshot().filter((l) => !l.startsWith('ankle/'))).not.toEqual(before);

    const next = await runLumen(['models', 'delete', 'ankle', '--yes'], { LUMEN_DATA_DIR: dataDir });
    expect(next.code, next.output).toBe(0);
    expect(snapshot()).toEqual(before);
    expect(next.output).toMatch(/put back .*knee/i);
    // Nothing waits in deleted-packages: the CLI's own deletion went for good, the killed one came back.
    expect(readdirSync(path.join(dataDir, 'deleted-packages'))).toEqual([]);
  }, 180_000);
});
