// Export a table into a folder that does not exist yet, as a user types a new path in Export
// results…: the folder is made (as the DICOM exports make theirs), never an ENOENT naming a
// temporary file; an existing file is still never replaced.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';

describe('export.table', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-export-table-'));
  const engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
  const ctx: RequestContext = { emit: () => undefined };
  afterAll(() => {
    engine.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes the missing folder and writes the table there', async () => {
    const out = path.join(dataDir, 'exports', 'new', 'labels.csv');
    const reply = await engine.dispatch('export.table', { kind: 'labels', format: 'csv', uid: null, packageHash: null, out }, ctx);
    expect(reply).toMatchObject({ ok: true, value: { out, rows: 0 } });
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).toMatch(/label/i);
  });

  it('still refuses to replace a file', async () => {
    const out = path.join(dataDir, 'kept', 'kept.csv');
    mkdirSync(path.dirname(out));
    writeFileSync(out, 'mine');
    const reply = await engine.dispatch('export.table', { kind: 'labels', format: 'csv', uid: null, packageHash: null, out }, ctx);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toContain('already exists');
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });
});
