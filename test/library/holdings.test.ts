// library.holdings through the real engine process: what the PACS tab asks to mark "in
// library" on its query results. It answers for the study UIDs it is given only (not the
// whole library, as the tab asked before), leaves out studies the library does not hold, and
// refuses an over-long list or a malformed UID with a message that says what is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLDINGS_MAX_STUDIES } from '../../common/contract/library';
import { EngineHost } from '../../electron/engine/host';
import { addPtSeries, fillLibrary, type BulkStudy } from '../support/library-rows';

describe('library.holdings', () => {
  let dataDir: string;
  let host: EngineHost;
  let specs: BulkStudy[];
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-holdings-'));
    // 30 studies of one CT/MR/... series of 2 images; every third study also a PT series (no images).
    specs = fillLibrary(path.join(dataDir, 'library'), { studies: 30, imagesPerSeries: 2 });
    addPtSeries(path.join(dataDir, 'library'));
    host = new EngineHost({ dataDir, shell: 'browser' });
  });
  afterAll(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  type Holdings = { studies: { studyInstanceUid: string; instances: number; series: { seriesInstanceUid: string; instances: number }[] }[] };
  const ask = async (input: unknown) => host.request('library.holdings', input);

  it('answers for the studies asked about only, leaving out those the library does not hold', async () => {
    const asked = [specs[4].uid, specs[0].uid, '1.2.826.0.1.3680043.10.99.13.999999', specs[4].uid];
    const reply = await ask({ studyInstanceUids: asked });
    expect(reply.ok).toBe(true);
    const { studies } = (reply as { ok: true; value: Holdings }).value;
    expect(studies.map((s) => s.studyInstanceUid).sort()).toEqual([specs[0].uid, specs[4].uid].sort());
    for (const s of studies) {
      expect(s.instances).toBe(2);
      expect(s.series.find((se) => se.seriesInstanceUid === `${s.studyInstanceUid}.2.1`)?.instances).toBe(2);
      expect(s.series.every((se) => se.seriesInstanceUid.startsWith(`${s.studyInstanceUid}.`))).toBe(true);
    }
    // The study with a PT series (no images) lists it with none.
    const withPt = studies.flatMap((s) => s.series).filter((se) => se.seriesInstanceUid.endsWith('.2.9'));
    expect(withPt.every((se) => se.instances === 0)).toBe(true);
    expect(studies.flatMap((s) => s.series).length).toBe(2 + withPt.length);
  });

  it(`takes ${HOLDINGS_MAX_STUDIES} study UIDs, and refuses more, an empty list or a malformed UID, saying why`, async () => {
    const many = Array.from({ length: HOLDINGS_MAX_STUDIES }, (_, i) => `1.2.826.0.1.3680043.10.5.${i + 1}`);
    const full = await ask({ studyInstanceUids: [specs[1].uid, ...many.slice(1)] });
    expect(full.ok).toBe(true);
    expect((full as { ok: true; value: Holdings }).value.studies.map((s) => s.studyInstanceUid)).toEqual([specs[1].uid]);

    const refused = async (input: unknown) => {
      const reply = await ask(input);
      expect(reply.ok).toBe(false);
      return (reply as { ok: false; error: { message: string } }).error.message;
    };
    expect(await refused({ studyInstanceUids: [...many, specs[2].uid] })).toMatch(new RegExp(`studyInstanceUids.*at most ${HOLDINGS_MAX_STUDIES} study UIDs at a time`));
    expect(await refused({ studyInstanceUids: [] })).toMatch(/studyInstanceUids.*at least one study UID/);
    for (const bad of ['1.2.abc', "1.2.3' OR 1=1 --", '1..2', `1.${'2'.repeat(70)}`, '']) {
      expect(await refused({ studyInstanceUids: [specs[0].uid, bad] }), bad).toMatch(/studyInstanceUids\.1: a DICOM UID/);
    }
    // An unknown key is named when the contract has such a field elsewhere (common/rpc.ts), else counted.
    expect(await refused({ studyInstanceUids: [specs[0].uid], tickets: 1 })).toMatch(/a field this request does not take: "tickets"/);
    expect(await refused({ studyInstanceUids: [specs[0].uid], more: 1 })).toMatch(/a field this request does not take: 1 other not shown/);
    // Still answering after the refusals.
    expect((await ask({ studyInstanceUids: [specs[3].uid] })).ok).toBe(true);
  });
});
