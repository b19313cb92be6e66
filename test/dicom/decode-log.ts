// A scratch folder and a decode log for a test file: LUMEN_TEST_VIEWER_LOG set before fresh
// decode workers start (they read it when they start), so each viewer frame a worker starts is a
// line of the log (electron/dicom/decode-worker.ts); decodes are counted from it, never by timing.
// Registers its own beforeAll/afterAll. Used by the refusal cache's tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { closeDecodePool } from '../../electron/dicom/pool';

export function useDecodeLog(prefix: string): { dir: () => string; decodes: (file: string) => number } {
  let dir = '';
  let log = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    log = join(dir, 'decodes.log');
    await closeDecodePool();
    process.env.LUMEN_TEST_VIEWER_LOG = log;
  });
  afterAll(async () => {
    delete process.env.LUMEN_TEST_VIEWER_LOG;
    await closeDecodePool();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    /** Viewer frames the workers started for this file. */
    decodes: (file: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.includes(file)).length : 0),
  };
}
