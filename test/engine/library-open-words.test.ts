// A library the engine cannot open is explained in words for both places it is opened from: the
// app (where the data folder is chosen in Settings) and the CLI (--library, LUMEN_DATA_DIR). The
// message reached the app with the CLI's flags alone before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { LIBRARY_FILE } from '../../electron/library/paths';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-library-open-words-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const ctx: RequestContext = { emit() {} };

describe('a library the app cannot open', () => {
  it('says how to choose another data folder in the app, not only with CLI flags', async () => {
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(path.join(dataDir, 'library'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'library', LIBRARY_FILE), 'not a database, only text long enough to look like a header'.repeat(20));
    const engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    try {
      const reply = await engine.dispatch('library.studyPage', {}, ctx);
      expect(reply.ok).toBe(false);
      if (reply.ok) return;
      expect(reply.error.message).toMatch(/is not a usable Lumen library/);
      expect(reply.error.message).toContain('Settings → Data folder');
    } finally {
      engine.dispose();
    }
  });
});
