// The measurement requests on the real engine (no mocks): a length is kept only on an image
// the library has, and a refusal says which image and what to do, or that another program
// holds the library.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { Measurement } from '../../common/contract/measurements';
import type { RequestContext } from '../../common/rpc';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { LIBRARY_FILE } from '../../electron/library/library';
import { writePhantomSeries, type PhantomSeries } from '../support/phantom-series';

describe('measurement handlers', () => {
  let dataDir: string;
  let engine: Engine;
  let series: PhantomSeries;
  const events: { event: EventName; payload: unknown }[] = [];
  const ctx: RequestContext = { emit: <K extends EventName>(event: K, payload: EventPayload<K>) => void events.push({ event, payload }) };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-measure-'));
    series = writePhantomSeries(path.join(dataDir, 'incoming'), 2);
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    const started = await engine.dispatch('library.import', { paths: [series.dir] }, ctx);
    if (!started.ok) throw new Error(started.error.message);
    while (!events.some((e) => e.event === 'job.finished' || e.event === 'job.failed')) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(() => {
    engine?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a length on an image of the series and refuses one on an image the library lacks', async () => {
    const detail = await engine.dispatch('library.series', { seriesInstanceUid: series.seriesUid }, ctx);
    if (!detail.ok) throw new Error(detail.error.message);
    const image = (detail.value as { images: { sopInstanceUid: string }[] }).images[1];
    const length: Measurement = {
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      seriesInstanceUid: series.seriesUid,
      sopInstanceUid: image.sopInstanceUid,
      frame: 0,
      kind: 'length',
      points: [
        [10, 10],
        [50, 40],
      ],
      createdAt: '2026-12-05T10:00:00.000Z',
    };
    expect(await engine.dispatch('measurements.save', { measurement: length }, ctx)).toEqual({ ok: true, value: length });
    expect(await engine.dispatch('measurements.list', { seriesInstanceUid: series.seriesUid }, ctx)).toEqual({ ok: true, value: [length] });

    const noFrame = await engine.dispatch('measurements.save', { measurement: { ...length, id: 'a1b2c3d4-0000-4000-8000-000000000002', frame: 3 } }, ctx);
    expect(noFrame.ok).toBe(false);
    if (!noFrame.ok) expect(noFrame.error.message).toMatch(new RegExp(`series ${series.seriesUid.replace(/\./g, '\\.')} has no image ${image.sopInstanceUid.replace(/\./g, '\\.')} \\(frame 4\\).*Import the series again`));
    const noSeries = await engine.dispatch('measurements.save', { measurement: { ...length, id: 'a1b2c3d4-0000-4000-8000-000000000003', seriesInstanceUid: '1.2.3.999' } }, ctx);
    expect(noSeries.ok).toBe(false);
    if (!noSeries.ok) expect(noSeries.error.message).toMatch(/no series 1\.2\.3\.999\. Import it first/);
    // An id that is not letters, digits and dashes never reaches the handler.
    const badId = await engine.dispatch('measurements.delete', { id: "x'; DROP TABLE measurements; --" }, ctx);
    expect(badId.ok).toBe(false);

    expect(await engine.dispatch('measurements.delete', { id: length.id }, ctx)).toEqual({ ok: true, value: { deleted: true } });
    expect(await engine.dispatch('measurements.list', { seriesInstanceUid: series.seriesUid }, ctx)).toEqual({ ok: true, value: [] });
  });

  it('says the library is busy when another program holds its write lock, and keeps the measurement once it lets go', async () => {
    const detail = await engine.dispatch('library.series', { seriesInstanceUid: series.seriesUid }, ctx);
    if (!detail.ok) throw new Error(detail.error.message);
    const image = (detail.value as { images: { sopInstanceUid: string }[] }).images[0];
    const probe: Measurement = { id: 'a1b2c3d4-0000-4000-8000-00000000b05y', seriesInstanceUid: series.seriesUid, sopInstanceUid: image.sopInstanceUid, frame: 0, kind: 'probe', points: [[5, 6]], createdAt: '2026-12-06T10:00:00.000Z' };
    // Another program (here a second SQLite connection) holds the write lock past the engine's 5 s wait.
    const other = new Database(path.join(dataDir, 'library', LIBRARY_FILE));
    try {
      other.exec('BEGIN IMMEDIATE');
      const refused = await engine.dispatch('measurements.save', { measurement: probe }, ctx);
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.error.message).toBe(`The library (${path.join(dataDir, 'library')}) is busy: another program (or another Lumen) is changing it and did not finish in time. Nothing stored in it was lost; try again, or close that program first.`);
        expect(refused.error.message).not.toMatch(/database is locked/);
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await engine.dispatch('measurements.save', { measurement: probe }, ctx)).toEqual({ ok: true, value: probe });
    expect(await engine.dispatch('measurements.delete', { id: probe.id }, ctx)).toEqual({ ok: true, value: { deleted: true } });
  }, 30_000);

  it('keeps a measurement only with a real time in UTC, and says why another is refused', async () => {
    const detail = await engine.dispatch('library.series', { seriesInstanceUid: series.seriesUid }, ctx);
    if (!detail.ok) throw new Error(detail.error.message);
    const image = (detail.value as { images: { sopInstanceUid: string }[] }).images[0];
    const probe = (id: string, createdAt: string) => ({ measurement: { id, seriesInstanceUid: series.seriesUid, sopInstanceUid: image.sopInstanceUid, frame: 0, kind: 'probe', points: [[3, 4]], createdAt } });
    const refused: [string, RegExp][] = [
      ['yesterday', /not an ISO 8601 date and time in UTC/],
      ['', /not an ISO 8601 date and time in UTC/],
      ['2026-12-05 10:00:00', /not an ISO 8601 date and time in UTC/],
      // Another zone would sort wrongly among the others (they are listed in the order of these strings).
      ['2026-12-05T10:00:00+02:00', /not an ISO 8601 date and time in UTC/],
      ['2026-02-30T10:00:00Z', /not a real date and time/],
      ['2026-12-05T24:00:00Z', /not a real date and time/],
      ['1970-01-01T00:00:00Z', /not between the years 2000 and 2099/],
      ['9999-12-31T23:59:59.999Z', /not between the years 2000 and 2099/],
    ];
    for (const [i, [createdAt, why]] of refused.entries()) {
      const reply = await engine.dispatch('measurements.save', probe(`time-0000-${i}`, createdAt), ctx);
      expect(reply.ok, createdAt).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('invalid_input');
        expect(reply.error.issues?.map((issue) => issue.path)).toEqual(['measurement.createdAt']);
        expect(reply.error.message).toMatch(why);
      }
    }
    expect(await engine.dispatch('measurements.list', { seriesInstanceUid: series.seriesUid }, ctx)).toEqual({ ok: true, value: [] });
    const kept = probe('time-0000-ok', '2026-12-05T10:00:00.000Z');
    expect(await engine.dispatch('measurements.save', kept, ctx)).toEqual({ ok: true, value: kept.measurement });
    expect(await engine.dispatch('measurements.delete', { id: 'time-0000-ok' }, ctx)).toEqual({ ok: true, value: { deleted: true } });
  });
});
