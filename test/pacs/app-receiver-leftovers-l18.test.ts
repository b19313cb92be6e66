// Task L (T's finding T3), the app's side: switching the app's receiver on files what an earlier
// receiver (the app's or `lumen pacs listen`, killed before its batch import) answered Success for
// and left in <library>/pacs/, says how many in the receiver's events, and tells the library changed.
// Failed before the fix: the study was not listed and no event said anything of it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/orthanc';
import { type ManyCt, writeManyCt } from '../support/many-ct';
import { useEngineHost } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-app-receiver-leftovers-l18-'));
const dataDir = path.join(scratch, 'data');
const { call, events } = useEngineHost(dataDir);
let few: ManyCt;

beforeAll(() => {
  few = writeManyCt(path.join(scratch, 'few'), { studies: 1, series: 1, slices: 4, root: '63', name: 'LEFT' });
}, 60_000);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("the app's receiver switched on", () => {
  it('files the instances an earlier receiver left in pacs/ and says so', async () => {
    const seriesDir = path.join(dataDir, 'library', 'pacs', few.studyUids[0], few.seriesUids[0]);
    fs.mkdirSync(seriesDir, { recursive: true });
    for (const f of fs.readdirSync(path.join(few.dir, 'study1'))) {
      const source = path.join(few.dir, 'study1', f);
      const sop = execFileSync('dcmdump', ['+P', '0008,0018', '-s', source], { encoding: 'utf8' }).match(/\[([\d.]+)\]/)![1];
      fs.copyFileSync(source, path.join(seriesDir, `${sop}.dcm`));
      // With the pending marker a filer makes before answering Success (filer.ts PENDING), as a killed one leaves it.
      const pending = path.join(dataDir, 'library', 'pacs-pending', few.studyUids[0], few.seriesUids[0]);
      fs.mkdirSync(pending, { recursive: true });
      fs.writeFileSync(path.join(pending, sop), '');
    }
    expect(await call('library.studies', {})).toEqual([]);
    await call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port: await freePort(), host: '127.0.0.1', allowed: ['SENDER'] } });
    expect(await call('pacs.receiverSwitch', { on: true })).toMatchObject({ running: true, error: null });
    let state = await call('pacs.receiver', {});
    for (let waited = 0; !state.events.some((e) => e.line.includes('filed now')) && waited < 20_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      state = await call('pacs.receiver', {});
    }
    expect(state.events.map((e) => e.line)).toContain('4 instances received before Lumen stopped were filed now.');
    expect(events.some((e) => e.event === 'library.changed')).toBe(true);
    expect((await call('library.studies', {})).map((s) => s.studyInstanceUid)).toEqual([few.studyUids[0]]);
    await call('pacs.receiverSwitch', { on: false });
  }, 60_000);
});
