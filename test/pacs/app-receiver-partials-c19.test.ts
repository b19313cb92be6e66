// Task C (session 19), the app's side of leftovers-c19: switching the app's receiver on removes the
// partial files (<pid>-<16 hex>.part) a stopped receiver or retrieve left in <library>/pacs-incoming/,
// keeps a live process's, and says how many in the receiver's events. Failed before: the file stayed
// and no event said anything of it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/orthanc';
import { useEngineHost } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-app-receiver-partials-c19-'));
const dataDir = path.join(scratch, 'data');
const { call } = useEngineHost(dataDir);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("the app's receiver switched on", () => {
  it('removes the partial files of a stopped process, keeps a live one\'s, and says so', async () => {
    const incoming = path.join(dataDir, 'library', 'pacs-incoming');
    fs.mkdirSync(incoming, { recursive: true });
    const ended = spawn('true');
    await new Promise((r) => ended.once('exit', r));
    await new Promise((r) => setTimeout(r, 50));
    const live = spawn('sleep', ['120']);
    try {
      const dead = path.join(incoming, `${ended.pid}-0123456789abcdef.part`);
      const kept = path.join(incoming, `${live.pid}-0123456789abcdef.part`);
      fs.writeFileSync(dead, 'half an instance');
      fs.writeFileSync(kept, 'still arriving');
      await call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port: await freePort(), host: '127.0.0.1', allowed: ['SENDER'] } });
      expect(await call('pacs.receiverSwitch', { on: true })).toMatchObject({ running: true, error: null });
      const state = await call('pacs.receiver', {});
      expect(state.events.map((e) => e.line)).toContain('Removed 1 partial file a stopped receiver or retrieve left.');
      expect(fs.existsSync(dead)).toBe(false);
      expect(fs.readFileSync(kept, 'utf8')).toBe('still arriving');
      await call('pacs.receiverSwitch', { on: false });
    } finally {
      live.kill();
    }
  }, 60_000);
});
