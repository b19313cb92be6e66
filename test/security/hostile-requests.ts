// Hostile variants of every request of the contract (test/security/request-fuzz.test.ts sends
// them through the real bridge and engine): one valid input per request, and for each of its
// fields the values an attacker or a broken page would send.
import type { z } from 'zod';
import { requests, type RequestName } from '../../common/contract';

export const PATIENT_NAME = 'Qzx^Wv';
export const PATIENT_ID = 'PX4471';
/** What must never come back in an error or appear in a log line. */
export const PHI = [/qzx/i, /PX4471/i];

export const STUDY = '1.2.826.0.1.3680043.10.88.1';
export const SERIES = `${STUDY}.2`;
export const SOP = `${STUDY}.3.1`;
const HASH = 'a'.repeat(64);
const UUID = '3f2c6c1e-8d6a-4c1e-9d2b-0a1b2c3d4e5f';

/**
 * One schema-valid input (or several) for every request of the contract: each hostile variant
 * changes one field of it, so that field is the only thing wrong. A request added to the
 * contract without an entry here fails the first test.
 */
export const BASES: Record<RequestName, unknown[]> = {
  'app.info': [{}],
  'engine.doctor': [{}],
  'engine.ping': [{ echo: 'hello' }],
  'engine.sleepJob': [{ steps: 1, stepMs: 0 }],
  'job.cancel': [{ jobId: UUID }],
  'job.list': [{}],
  'dialog.openFolder': [{}],
  'dialog.openFile': [{ kind: 'kerasWeights' }],
  'library.studies': [{ search: 'abdomen' }],
  'library.holdings': [{ studyInstanceUids: [STUDY] }],
  'library.studyPage': [{ search: 'abdomen', sort: 'name', modalities: ['CT'], from: '2020-01-01', to: '2024-12-31', limit: 50 }],
  'library.thumbnail': [{ seriesInstanceUid: SERIES }],
  'library.series': [{ seriesInstanceUid: SERIES }],
  // A study and series this library does not hold: the requests are answered without removing the fuzz study.
  'library.removePreview': [{ studyInstanceUid: `${STUDY}.404` }, { seriesInstanceUid: `${SERIES}.404` }],
  'library.remove': [{ studyInstanceUid: `${STUDY}.404` }, { seriesInstanceUid: `${SERIES}.404` }],
  'library.undoRemove': [{ undoToken: '0000000000-0123456789abcdef' }],
  'library.import': [{ paths: ['/tmp/lumen-fuzz-import'] }],
  'library.importErrors': [{}],
  'library.patientDetailsCheck': [{}],
  'library.spacingCheck': [{}],
  'library.access': [{}],
  'viewer.frame': [{ seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 0 }],
  'viewer.cancel': [{ tickets: ['fuzz-1'] }],
  'measurements.list': [{ seriesInstanceUid: SERIES }],
  'measurements.save': [
    { measurement: { id: 'abcdefgh-0001', seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 0, kind: 'length', points: [[1, 2], [3, 4]], createdAt: '2026-12-05T10:00:00.000Z' } },
  ],
  'measurements.delete': [{ id: 'abcdefgh-0001' }],
  'results.study': [{ studyInstanceUid: STUDY }],
  'results.notShown': [{ studyInstanceUid: STUDY }],
  'results.map': [{ sopInstanceUid: SOP, frame: 0 }],
  'export.models': [{ uid: SERIES }],
  'export.results': [{ uid: SERIES, packageHash: HASH, out: '/tmp/lumen-fuzz-out', heatmaps: 'none' }],
  'export.deidentify': [{ uid: SERIES, out: '/tmp/lumen-fuzz-out', includeBurnedIn: false }],
  'export.table': [{ kind: 'labels', format: 'csv', uid: SERIES, packageHash: HASH, out: '/tmp/lumen-fuzz-out/labels.csv' }],
  'models.catalog': [{}],
  'models.measureLatency': [{ variant: 'b0' }],
  'models.importPackage': [{ file: '/tmp/lumen-fuzz.lumenpkg' }],
  'models.recommend': [{ rows: 512, columns: 512, budgetMs: 100 }],
  'models.packageUse': [{ packageHash: HASH }],
  'models.deletePackage': [{ packageHash: HASH, allVersions: true }],
  'models.undoDelete': [{ undoId: '2026-01-01T00-00-00-000Z-1-0123abcd' }],
  'models.deletedPackages': [{}],
  'predict.run': [{ packageHash: HASH, scope: 'image', seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 0 }],
  'predict.latest': [{ packageHash: HASH, seriesInstanceUid: SERIES }],
  'predict.cam': [{ packageHash: HASH, seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 0, classIndex: 0 }],
  'training.labels.set': [{ targets: [{ kind: 'image', uid: SOP }], label: 'lesion' }],
  'training.labels.clear': [{ targets: [{ kind: 'series', uid: SERIES }] }],
  'training.labels.undo': [{ undoId: UUID }],
  'training.labels.importCsvText': [{ text: `SOPInstanceUID,label\n${SOP},lesion\n` }],
  'training.labels.exportCsv': [{}],
  'training.labels.overview': [{}],
  'training.labels.nextUnlabelled': [{ after: SERIES }],
  'training.labels.list': [{ targetUids: [SOP] }],
  'training.labels.importCsv': [{ path: '/tmp/lumen-fuzz-labels.csv' }],
  'training.labels.importFolders': [{ path: '/tmp/lumen-fuzz-classes' }],
  'training.dataset.preview': [{ seed: 1, validation: 0.2, test: 0.2 }],
  'training.start': [
    {
      variant: 'b0', name: 'fuzz-run', out: '/tmp/lumen-fuzz-pkg', mode: 'head', level: 'image', resolution: 64, window: 'abdomen', augment: true,
      progressive: false, epochs: 1, seed: 1, backbonePackage: '/tmp/lumen-fuzz-backbone', intendedUse: 'Research only.\nNot for diagnosis.', overwrite: false,
    },
  ],
  'training.report': [{ path: '/tmp/lumen-fuzz.report.html' }],
  'training.results': [{ packageDir: '/tmp/lumen-fuzz-pkg' }],
  'training.runs': [{}],
  'training.resume': [{ checkpointDir: '/tmp/lumen-fuzz-run' }],
  'training.evaluate': [{ packageDir: '/tmp/lumen-fuzz-pkg', subset: 'held-out' }],
  'training.predict': [{ packageDir: '/tmp/lumen-fuzz-pkg', seriesUid: SERIES }],
  'training.suggest': [{ packageDir: '/tmp/lumen-fuzz-pkg', n: 5 }],
  'training.cam': [{ packageDir: '/tmp/lumen-fuzz-pkg', sopInstanceUid: SOP, frame: 0, classIndex: 0 }],
  'training.packages': [{}],
  'training.exportPackage': [{ packageDir: '/tmp/lumen-fuzz-pkg', file: '/tmp/lumen-fuzz.lumenpkg' }],
  'training.importPackage': [{ file: '/tmp/lumen-fuzz.lumenpkg' }],
  'settings.get': [{}],
  'settings.set': [{ change: { theme: 'dark', backend: 'auto', defaultWindow: { CT: 'file' }, dataFolder: '/tmp/lumen-fuzz-data' } }],
  'weights.list': [{}],
  'weights.import': [{ file: '/tmp/lumen-fuzz.h5', variant: 'b0' }],
  'weights.download': [{ variant: 'b0' }],
  'pacs.list': [{}],
  'pacs.save': [
    { connection: { name: 'pacs-web', kind: 'dicomweb', url: 'http://127.0.0.1:8042/dicom-web', auth: 'basic' }, secret: { user: 'reader', password: 'secret' }, previousName: 'pacs-old' },
    { connection: { name: 'pacs-dimse', kind: 'dimse', calledAet: 'ORTHANC', host: '127.0.0.1', port: 4242, callingAet: 'LUMEN' }, secret: { bearer: 'token' } },
  ],
  'pacs.remove': [{ name: 'pacs-web' }],
  'pacs.test': [{ name: 'pacs-web', credentials: { user: 'reader', password: 'secret' } }],
  'pacs.query': [{ name: 'pacs-web', query: { patientName: 'DOE*', patientId: '12', studyDate: '20260101-20261231', modality: 'CT', accession: 'A1', description: 'chest' }, credentials: { bearer: 'token' } }],
  'pacs.series': [{ name: 'pacs-web', studyInstanceUid: STUDY }],
  'pacs.retrieve': [{ name: 'pacs-web', studyInstanceUid: STUDY, seriesInstanceUid: SERIES }],
  'pacs.receiver': [{}],
  'pacs.receiverSettings': [{ settings: { aet: 'LUMEN', port: 11112, host: '127.0.0.1', allowed: ['MODALITY'] } }],
  'pacs.send': [{ name: 'pacs-web', sopInstanceUids: [SOP] }],
  'pacs.receiverSwitch': [{ on: false }],
};

/** Fields where a variant is a legitimate value: a point left of or above the image is -1. */
const ACCEPTED: Partial<Record<RequestName, Record<string, string[]>>> = {
  // A host name may end in letters where the base's IP address does not.
  'pacs.save': { 'connection.host': ['UID with letters'] },
  'measurements.save': { 'measurement.points.0.0': ['negative'], 'measurement.points.0.1': ['negative'], 'measurement.points.1.0': ['negative'], 'measurement.points.1.1': ['negative'] },
};

type Path = (string | number)[];
export interface Variant {
  method: RequestName;
  /** Where the hostile value is, as the error's issues name it. */
  field: string;
  what: string;
  input: unknown;
  /** NaN and Infinity do not survive JSON: those go through the engine host, as the desktop app's IPC does. */
  via: 'bridge' | 'host';
}

// zod's internals, read to find each field's limits; the contract only uses these wrappers.
type Def = { type: string; innerType?: Schema; in?: Schema; options?: Schema[]; shape?: Record<string, Schema>; element?: Schema; items?: Schema[] };
type Check = { _zod: { def: { check: string; maximum?: number; minimum?: number; value?: number; length?: number; format?: string } } };
export type Schema = z.ZodType & { _zod: { def: Def & { checks?: Check[] } } };

/** A string's or list's largest length, a number's bounds, and a string's format, from the schema's checks. */
function limits(schema: Schema): { max?: number; least?: number; most?: number; format?: string } {
  const out: { max?: number; least?: number; most?: number; format?: string } = {};
  for (const { _zod: { def } } of schema._zod.def.checks ?? []) {
    if (def.check === 'max_length') out.max = def.maximum;
    if (def.check === 'length_equals') out.max = def.length;
    if (def.check === 'less_than') out.most = def.value;
    if (def.check === 'greater_than') out.least = def.value;
    if (def.check === 'string_format' && def.format !== 'regex') out.format = def.format;
  }
  return out;
}

/** The schema that checks `value`, past optional, nullable, default and union wrappers. */
function unwrap(schema: Schema, value: unknown): Schema {
  for (;;) {
    const def = schema._zod.def;
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) schema = def.innerType!;
    else if (def.type === 'pipe') schema = def.in!;
    else if (def.type === 'union') schema = def.options!.find((o) => o.safeParse(value).success) ?? def.options![0];
    else return schema;
  }
}

function child(schema: Schema, key: string | number): Schema {
  const def = schema._zod.def;
  if (def.type === 'object') return def.shape![key as string];
  if (def.type === 'array') return def.element!;
  if (def.type === 'tuple') return def.items![key as number];
  throw new Error(`no field ${key} in a ${def.type}`);
}

function setAt(value: unknown, at: Path, leaf: unknown): unknown {
  if (at.length === 0) return leaf;
  const [key, ...rest] = at;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[key] = setAt((value as any)[key], rest, leaf);
  return copy;
}

export const field = (at: Path) => (at.length ? at.join('.') : '(root)');

/** Every hostile variant of one valid input. */
export function variants(method: RequestName, base: unknown): Variant[] {
  const out: Variant[] = [];
  const accepted = ACCEPTED[method] ?? {};
  const add = (at: Path, what: string, leaf: unknown, via: Variant['via'] = 'bridge') => {
    if (accepted[field(at)]?.includes(what)) return;
    out.push({ method, field: field(at), what, input: setAt(base, at, leaf), via });
  };
  const walk = (schema: Schema, value: unknown, at: Path) => {
    const s = unwrap(schema, value);
    const { max } = limits(s);
    if (typeof value === 'string') {
      // The planted patient data rides on the bad values (short, so that only the bad character
      // is wrong): an error that quotes the value shows it.
      add(at, 'NUL', `${value}\u0000${PATIENT_NAME}`);
      add(at, 'lone high surrogate', `${value}\ud800${PATIENT_ID}`);
      add(at, 'lone low surrogate', `\udc00${value}`);
      add(at, 'control character', `${value}\u0007`);
      add(at, 'escape sequence', `\u001b[2J${value}`);
      add(at, 'bidi override', `${value}\u202e${PATIENT_ID}`);
      add(at, 'bidi isolate', `\u2067${value}\u2069`);
      if (max !== undefined && max < 1_000_000) add(at, 'one over the limit', value.padEnd(max + 1, value.length ? value : 'a'));
      if (/^[0-9.]+$/.test(value) && value.includes('.')) add(at, 'UID with letters', `${value}.abc`);
      add(at, 'a number', 12);
    } else if (typeof value === 'number') {
      add(at, 'negative', -1);
      add(at, 'huge', 1e300);
      add(at, 'text', '1');
      add(at, 'NaN', NaN, 'host');
      add(at, 'Infinity', Infinity, 'host');
    } else if (typeof value === 'boolean') {
      add(at, 'text', 'true');
    } else if (Array.isArray(value)) {
      if (s._zod.def.type === 'array' && max !== undefined && value.length) add(at, 'one over the limit', Array.from({ length: max + 1 }, () => value[0]));
      if (s._zod.def.type === 'array') add(at, 'an object', {});
      value.forEach((v, i) => walk(child(s, i), v, [...at, i]));
    } else if (value && typeof value === 'object') {
      add(at, 'unknown key named after the patient', { ...value, [PATIENT_NAME]: PATIENT_ID });
      add(at, 'unknown key', { ...value, isAdmin: true });
      if (at.length) add(at, 'an array', []);
      for (const [k, v] of Object.entries(value)) walk(child(s, k), v, [...at, k]);
    }
  };
  walk(requests[method].input as unknown as Schema, base, []);
  out.push({ method, field: '(root)', what: 'an array', input: [], via: 'bridge' });
  out.push({ method, field: '(root)', what: 'a string', input: PATIENT_NAME, via: 'bridge' });
  return out;
}

/** Every string, array and number a request takes, with whether it has the bounds it needs. */
export function unbounded(schema: Schema, at: Path, found: string[]): void {
  const def = schema._zod.def;
  const { max: maximum, least: minimum, most, format } = limits(schema);
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) return unbounded(def.innerType!, at, found);
  if (def.type === 'pipe') return unbounded(def.in!, at, found);
  if (def.type === 'union') return def.options!.forEach((o) => unbounded(o, at, found));
  if (def.type === 'object') return Object.entries(def.shape!).forEach(([k, v]) => unbounded(v, [...at, k], found));
  if (def.type === 'tuple') return def.items!.forEach((v, i) => unbounded(v, [...at, i], found));
  if (def.type === 'array') {
    if (maximum === undefined) found.push(`${field(at)}: a list without a largest length`);
    return unbounded(def.element!, [...at, '*'], found);
  }
  if (def.type === 'string' && maximum === undefined && format !== 'uuid') found.push(`${field(at)}: text without a largest length`);
  if (def.type === 'number' && (most === undefined || minimum === undefined)) found.push(`${field(at)}: a number without ${most === undefined ? 'a largest' : 'a smallest'} value`);
  if (!['string', 'number', 'boolean', 'enum', 'literal', 'object', 'array', 'tuple', 'union'].includes(def.type)) found.push(`${field(at)}: a ${def.type}, which this audit does not know`);
}

