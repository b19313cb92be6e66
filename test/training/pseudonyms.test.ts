// Patient identifiers never leave the machine inside a model package: a package is made to
// be shared (.lumenpkg), so its recorded split and test predictions name patients and
// images by the library's pseudonyms, never by PatientID or UID; `lumen eval` on the same
// library still finds the patients the package was tested on.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { Library } from '../../electron/library/library';
import { evaluatePackage } from '../../electron/training/evaluate';
import { libraryPseudonyms, PSEUDONYM_KEY_FILE } from '../../electron/training/pseudonyms';
import { exportPackageArchive } from '../../models/package/archive';
import { contentHash, METADATA_JSON } from '../../models/package/package';
import { writePhantomSet, type PhantomSet } from './phantoms';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');
let root: string;
let set: PhantomSet;
let library: string;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

/** Whether `bytes` hold `value` whole: a study's UID is the start of its series' UIDs, which are the start of their images'. */
function holds(bytes: Buffer, value: string): boolean {
  const needle = Buffer.from(value, 'utf8');
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    const next = bytes[at + needle.length];
    if (next === undefined || !/[0-9.]/.test(String.fromCharCode(next))) return true;
  }
  return false;
}

/** Every PatientID, PatientName, AccessionNumber and UID of the phantoms found in `bytes`, as "what in where". */
function identifiersIn(where: string, bytes: Buffer): string[] {
  const found: string[] = [];
  for (const p of set.patients) {
    const ids: [string, string][] = [['PatientID', p.patientId], ['PatientName', p.patientName], ['AccessionNumber', p.accessionNumber!], ['StudyInstanceUID', p.studyUid], ['SeriesInstanceUID', p.seriesUid], ...p.sops.map((s): [string, string] => ['SOPInstanceUID', s])];
    for (const [what, value] of ids) if (holds(bytes, value)) found.push(`${what} ${value} in ${where}`);
  }
  return found;
}

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('pseudonyms', (dir) => writePhantomSet(dir, { patients: 30, slices: 1, seed: 9, accessionNumbers: true })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('pseudonyms in model packages', () => {
  it('no file of a trained package, its .lumenpkg, its report or `lumen train --json` holds a patient identifier or UID; `lumen eval` still finds the held-out patients', async () => {
    const out = path.join(root, 'pkg');
    const trained = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '48', '--epochs', '12', '--seed', '4', '--out', out, '--window', 'ct-abdomen', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const t = JSON.parse(trained.stdout);
    const archive = path.join(root, 'shared.lumenpkg');
    await exportPackageArchive(out, archive);

    const leaks = [
      ...readdirSync(out).flatMap((name) => identifiersIn(`package file ${name}`, readFileSync(path.join(out, name)))),
      ...identifiersIn('the .lumenpkg', readFileSync(archive)),
      ...identifiersIn('the report', readFileSync(t.reportPath)),
      ...identifiersIn('lumen train --json', Buffer.from(trained.stdout)),
    ];
    expect(leaks).toEqual([]);

    // One pseudonym per patient, the same one the library gives that patient.
    const names = libraryPseudonyms(library);
    const split = t.split.patients as Record<string, string>;
    expect(Object.keys(split).sort()).toEqual(set.patients.map((p) => names.patient(p.patientId)).sort());
    for (const key of Object.keys(split)) expect(key).toMatch(/^p-[0-9a-f]{16}$/);

    // Evaluation on the same library picks exactly the test patients and reproduces the test metrics.
    const evaluated = await lumen(['eval', '--model', out, '--library', library, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout);
    expect(e.subset).toBe('held-out');
    expect(e.patients).toBe(Object.values(split).filter((s) => s === 'test').length);
    expect(e.evaluation.n).toBe(t.test.n);
    expect(e.evaluation.confusion).toEqual(t.test.confusion);
    expect(e.evaluation.auc).toBeCloseTo(t.test.auc, 3);
    for (const p of e.predictions) expect(split[p.patient]).toBe('test');
    expect(identifiersIn('lumen eval --json', Buffer.from(evaluated.stdout)).filter((l) => l.startsWith('Patient'))).toEqual([]);

    // A package made before pseudonyms (PatientIDs in its split) still evaluates on its held-out patients.
    const legacy = path.join(root, 'legacy-pkg');
    cpSync(out, legacy, { recursive: true });
    const meta = JSON.parse(readFileSync(path.join(legacy, METADATA_JSON), 'utf8'));
    const rawOf = new Map(set.patients.map((p) => [names.patient(p.patientId), p.patientId]));
    const { pseudonymKey: _dropped, ...oldSplit } = meta.provenance.training.split;
    meta.provenance.training.split = { ...oldSplit, patients: Object.fromEntries(Object.entries(split).map(([k, s]) => [rawOf.get(k), s])) };
    meta.contentHash = contentHash(legacy, meta);
    writeFileSync(path.join(legacy, METADATA_JSON), JSON.stringify(meta, null, 2));
    const lib = Library.open(library);
    try {
      const old = await evaluatePackage(lib, legacy, { subset: 'test' });
      expect(old.evaluation.n).toBe(t.test.n);
      expect(old.evaluation.confusion).toEqual(t.test.confusion);
    } finally {
      lib.close();
    }

    // In a library with another key (a copy whose key was lost) its patients cannot be matched: refused, unless asked for all images.
    const copy = path.join(root, 'library-copy');
    cpSync(library, copy, { recursive: true });
    rmSync(path.join(copy, PSEUDONYM_KEY_FILE));
    const other = Library.open(copy);
    try {
      await expect(evaluatePackage(other, out)).rejects.toThrow(/trained in another library.*--subset all/);
      expect((await evaluatePackage(other, out, { subset: 'all' })).images).toBe(set.patients.length);
    } finally {
      other.close();
    }
  }, 300_000);

  it('the key is made once, private (0600), and gives the same pseudonyms every time; another library gives others', () => {
    const a = path.join(root, 'lib-a');
    const b = path.join(root, 'lib-b');
    const first = libraryPseudonyms(a);
    const again = libraryPseudonyms(a);
    expect(again.patient('PH001')).toBe(first.patient('PH001'));
    expect(again.image('1.2.3.4')).toBe(first.image('1.2.3.4'));
    expect(first.patient('PH001')).not.toBe(first.patient('PH002'));
    expect(libraryPseudonyms(b).patient('PH001')).not.toBe(first.patient('PH001'));
    if (process.platform !== 'win32') expect(statSync(path.join(a, PSEUDONYM_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('processes that make the key at the same time all end up with one key', async () => {
    const dir = path.join(root, 'lib-race');
    const script = `import('${path.join(repo, 'electron/training/pseudonyms.ts').replace(/\\/g, '/')}').then((m) => process.stdout.write(m.libraryPseudonyms(process.argv[1]).keyId))`;
    const ids = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', '-e', script, dir], { cwd: repo }).then((r) => r.stdout)));
    expect(ids[0]).toMatch(/^k-[0-9a-f]{16}$/);
    expect(new Set(ids)).toEqual(new Set([libraryPseudonyms(dir).keyId]));
    expect(readdirSync(dir)).toEqual([PSEUDONYM_KEY_FILE]);
  }, 60_000);

  it('a damaged or dangling key file is refused with an error naming it, not quoting it', () => {
    const dir = path.join(root, 'lib-damaged');
    libraryPseudonyms(dir);
    writeFileSync(path.join(dir, PSEUDONYM_KEY_FILE), '{"key":"PH001-not-a-key"}');
    expect(() => libraryPseudonyms(dir)).toThrow(new RegExp(PSEUDONYM_KEY_FILE));
    expect(() => libraryPseudonyms(dir)).not.toThrow(/PH001/);
    if (process.platform === 'win32') return;
    // A link to nowhere in its place: refused, never replaced nor looped on.
    const dangling = path.join(root, 'lib-dangling');
    mkdirSync(dangling);
    symlinkSync(path.join(root, 'nowhere'), path.join(dangling, PSEUDONYM_KEY_FILE));
    expect(() => libraryPseudonyms(dangling)).toThrow(new RegExp(`${PSEUDONYM_KEY_FILE} cannot be read although something exists there`));
  });
});
