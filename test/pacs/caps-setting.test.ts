// A connection's own query caps (maxStudies, maxSeries in pacs.json), against a real Orthanc
// holding 5 studies (one of 3 series), over DICOMweb (QIDO-RS) and DIMSE (C-FIND): set with
// `lumen pacs add --max-studies/--max-series` or the app's pacs.save, checked (whole numbers from
// 1 to QUERY_CAPS.most), used by `lumen pacs query` (and overridden there for one query) and by
// the app's pacs.query and pacs.series, whose notice names the setting that lists more.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUERY_CAPS } from '../../common/contract/pacs';
import { raiseCapHint } from '../../electron/pacs/query';
import type { Orthanc } from '../support/orthanc';
import { json, lumen, useEngineHost, usePacsFixture } from './support';

const pacs = usePacsFixture('caps-setting', {
  receiver: true,
  studies: Array.from({ length: 5 }, (_, i) => ({
    key: 700 + i,
    patientId: `PID-CAP-${i}`,
    patientName: `Cap^Patient${i}`,
    accession: `ACC-CAP-${i}`,
    studyDate: `2024010${i + 1}`,
    seriesCount: i === 0 ? 3 : 1,
    perSeries: 1,
  })),
});
const cliData = path.join(pacs.scratch, 'cli-data');
const appData = path.join(pacs.scratch, 'app-data');
const { call, failure } = useEngineHost(appData);
let orthanc: Orthanc;

beforeAll(async () => {
  orthanc = pacs.orthanc;
  fs.mkdirSync(cliData, { recursive: true });
}, 120_000);

const moreStudies = (name: string, n: number) => `PACS "${name}" returned more than ${n} studies; showing the first ${n}. Narrow the search (a patient, a date range, a modality)`;

describe('query caps per connection: lumen pacs', () => {
  it('adds connections with their caps, refuses caps out of bounds, and lists them', async () => {
    for (const bad of ['0', '2.5', 'abc', String(QUERY_CAPS.most + 1), '1e3']) {
      const run = await lumen(cliData, ['pacs', 'add', '--name', 'bad', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--max-studies', bad]);
      expect(run.code, bad).toBe(2);
      expect(run.stderr).toContain(`--max-studies "${bad}" is not a whole number from 1 to 50000 (without it: 5000).`);
    }
    const series = await lumen(cliData, ['pacs', 'add', '--name', 'bad', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--max-series', '0']);
    expect(series.code).toBe(2);
    expect(series.stderr).toContain('--max-series "0" is not a whole number from 1 to 50000 (without it: 10000).');
    expect(json(await lumen(cliData, ['pacs', 'list', '--json']))).toEqual([]);

    json(await lumen(cliData, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin', '--max-studies', '3', '--json'], orthanc.password));
    json(await lumen(cliData, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN', '--max-studies', '3', '--max-series', '2', '--json']));
    json(await lumen(cliData, ['pacs', 'add', '--name', 'plain', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--json']));
    expect(json(await lumen(cliData, ['pacs', 'list', '--json']))).toEqual([
      { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', maxStudies: 3 },
      { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN', maxStudies: 3, maxSeries: 2 },
      { name: 'plain', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' },
    ]);
    const text = await lumen(cliData, ['pacs', 'list']);
    expect(text.stdout).toContain('; at most 3 studies, 2 series per query\n');
    expect(text.stdout).toMatch(/^plain\tDIMSE ORTHANC@127\.0\.0\.1:\d+ as LUMEN$/m);
  }, 60_000);

  for (const name of ['web', 'dimse']) {
    it(`${name}: a query lists the connection's cap and says which flag lists more; --max-studies lists more for one query`, async () => {
      const capped = await lumen(cliData, ['pacs', 'query', '--pacs', name, '--json']);
      expect(json<unknown[]>(capped)).toHaveLength(3);
      expect(capped.stderr.trim()).toBe(`lumen pacs query: ${moreStudies(name, 3)}, or list more with --max-studies (at most 50,000).`);

      const more = await lumen(cliData, ['pacs', 'query', '--pacs', name, '--max-studies', '10', '--json']);
      expect(json<{ StudyInstanceUID: string }[]>(more).map((s) => s.StudyInstanceUID).sort()).toEqual(pacs.studies.map((s) => s.studyUid).sort());
      expect(more.stderr).toBe('');
      // One query only: the connection keeps its cap.
      expect(json<unknown[]>(await lumen(cliData, ['pacs', 'query', '--pacs', name, '--json']))).toHaveLength(3);

      const bad = await lumen(cliData, ['pacs', 'query', '--pacs', name, '--max-studies', '60000']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--max-studies "60000" is not a whole number from 1 to 50000 (without it: 5000).');
    }, 60_000);
  }

  it('a connection without a cap lists all five, and a cap of 5 is not exceeded by 5', async () => {
    const all = await lumen(cliData, ['pacs', 'query', '--pacs', 'plain', '--json']);
    expect(json<unknown[]>(all)).toHaveLength(5);
    expect(all.stderr).toBe('');
    const exact = await lumen(cliData, ['pacs', 'query', '--pacs', 'plain', '--max-studies', '5', '--json']);
    expect(json<unknown[]>(exact)).toHaveLength(5);
    expect(exact.stderr).toBe('');
  }, 60_000);

  it('a hand-edited pacs.json past the bound is refused, naming the file and the field', async () => {
    const file = path.join(cliData, 'pacs.json');
    const saved = fs.readFileSync(file, 'utf8');
    try {
      const edited = JSON.parse(saved);
      edited.connections[2].maxStudies = 1_000_000;
      fs.writeFileSync(file, JSON.stringify(edited));
      const run = await lumen(cliData, ['pacs', 'query', '--pacs', 'plain']);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`the PACS connections file ${file} is not valid (connections.2.maxStudies: at most 50000). Fix or remove it.`);
    } finally {
      fs.writeFileSync(file, saved, { mode: 0o600 });
    }
  }, 30_000);
});

describe('query caps per connection: the app', () => {
  it('saves caps with a connection, lists them back, refuses bad ones with the field named', async () => {
    const saved = await call('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN', maxStudies: 3, maxSeries: 2 } });
    expect(saved.connections).toEqual([{ name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN', maxStudies: 3, maxSeries: 2, secret: 'none', user: null }]);
    await call('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', maxStudies: 3, maxSeries: 2 }, secret: { user: orthanc.user, password: orthanc.password } });
    for (const bad of [0, 2.5, QUERY_CAPS.most + 1]) {
      const message = await failure('pacs.save', { connection: { name: 'x', kind: 'dimse', calledAet: 'A', host: '127.0.0.1', port: 104, callingAet: 'LUMEN', maxStudies: bad } });
      expect(message, String(bad)).toMatch(/maxStudies/);
      expect(message).toMatch(/whole number|at least 1|at most 50000/);
    }
    expect((await call('pacs.list', {})).connections.map((c) => c.name)).toEqual(['dimse', 'web']);
    // An edit that leaves the caps out goes back to the defaults.
    await call('pacs.save', { previousName: 'dimse', connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' } });
    expect((await call('pacs.list', {})).connections.find((c) => c.name === 'dimse')).not.toHaveProperty('maxStudies');
    await call('pacs.save', { previousName: 'dimse', connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN', maxStudies: 3, maxSeries: 2 } });
  }, 60_000);

  for (const name of ['web', 'dimse']) {
    it(`${name}: pacs.query and pacs.series stop at the caps and name the Settings field that lists more`, async () => {
      const found = await call('pacs.query', { name, query: {} });
      expect(found.studies).toHaveLength(3);
      expect(found.incomplete).toBe(`${moreStudies(name, 3)}, or raise Studies per query of the connection in Settings, PACS.`);

      const threeSeries = pacs.studies.find((s) => s.series.length === 3)!;
      const series = await call('pacs.series', { name, studyInstanceUid: threeSeries.studyUid });
      expect(series.series).toHaveLength(2);
      expect(series.incomplete).toBe(
        `PACS "${name}" returned more than 2 series; showing the first 2. Retrieve the whole study, or ask the PACS administrator why it lists so many, or raise Series per study of the connection in Settings, PACS.`,
      );
      const one = pacs.studies.find((s) => s.series.length === 1)!;
      expect(await call('pacs.series', { name, studyInstanceUid: one.studyUid })).toMatchObject({ incomplete: null });
    }, 60_000);
  }

  it('at the hard bound the notice asks for no higher cap', () => {
    expect(raiseCapHint('studies', QUERY_CAPS.most)).toBeUndefined();
    expect(raiseCapHint('series', QUERY_CAPS.most - 1)).toEqual({ code: 'raise-cap', setting: 'maxSeries', value: String(QUERY_CAPS.most - 1) });
  });
});
