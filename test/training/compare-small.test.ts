// `lumen compare` on a test set too small to tell: two packages trained on a tiny phantom
// library (12 patients, so a handful held out from both) must not call a difference "holds"
// with a p-value that pretends precision; and the paired test's edge cases by hand: two
// patients (one usable resample), one patient of a class, enough patients.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { clustersOf, differenceSentence, pairedAucDifference, seededRandom } from '../../models/training/stats';
import { writePhantomSet, type PhantomSet } from './phantoms';

/** Two-class scores where B separates the classes and A is noise, one row per image. */
function rowsOf(patients: { id: string; label: number }[], perPatient: number, seed: number) {
  const rand = seededRandom(seed);
  const rows = patients.flatMap((p) => Array.from({ length: perPatient }, () => ({ patient: p.id, label: p.label, u: rand(), v: rand() })));
  return {
    a: rows.map((r) => [1 - r.u, r.u]),
    b: rows.map((r) => { const x = Math.min(1, Math.max(0, 0.3 + 0.4 * r.label + 0.2 * (r.v - 0.5))); return [1 - x, x]; }),
    labels: rows.map((r) => r.label),
    clusters: clustersOf(rows.length, rows.map((r) => r.patient)),
  };
}

describe('paired AUC difference on too few patients', () => {
  it('two patients, one of each class: too small to tell, no p-value, never "holds"', () => {
    const { a, b, labels, clusters } = rowsOf([{ id: 'p1', label: 0 }, { id: 'p2', label: 1 }], 6, 1);
    const d = pairedAucDifference(a, b, labels, 2, clusters, { seed: 0, what: 'held-out patients' });
    // The bug: only the resample drawing both patients has both classes, so every usable
    // difference was the same, the interval collapsed and p was 2/(finite+1).
    expect(d.usableResamples).toBeLessThan(600);
    expect(d.tooSmall).toBe('2 held-out patients, 1 of each class');
    expect(d.holds).toBe(false);
    expect(d.p).toBeNaN();
    expect(d.ci[0]).toBeNaN();
    expect(d.difference).toBeGreaterThan(0);
    const s = differenceSentence(d);
    expect(s).toMatch(/^B's ROC AUC is higher by 0\.\d+ here, but the test set is too small to tell whether that holds \(2 held-out patients, 1 of each class; a paired test needs at least 10 patients, 2 of each class\)$/);
    expect(s).not.toMatch(/p [=<]|95% CI|the difference holds/);
  });

  it('ten patients but only one of a class: too small, naming the classes', () => {
    const patients = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, label: i === 0 ? 1 : 0 }));
    const { a, b, labels, clusters } = rowsOf(patients, 3, 2);
    const d = pairedAucDifference(a, b, labels, 2, clusters, { seed: 0, classNames: ['benign', 'malignant'] });
    expect(d.tooSmall).toBe('10 patients: 9 benign, 1 malignant');
    expect(d.holds).toBe(false);
    expect(d.p).toBeNaN();
  });

  it('twelve patients, six of each class: the test runs as before', () => {
    const patients = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}`, label: i % 2 }));
    const { a, b, labels, clusters } = rowsOf(patients, 4, 3);
    const d = pairedAucDifference(a, b, labels, 2, clusters, { seed: 0 });
    expect(d.tooSmall).toBeNull();
    expect(d.usableResamples).toBeGreaterThan(990);
    expect(d.p).toBeGreaterThan(0);
    expect(d.holds).toBe(d.ci[0] > 0 || d.ci[1] < 0);
    expect(differenceSentence(d)).toMatch(/\(95% CI .*, p [=<] .*\): the difference (holds|does not hold)/);
  });

  it('rows without patient ids count images, in those words', () => {
    const { a, b, labels } = rowsOf([{ id: 'p1', label: 0 }, { id: 'p2', label: 1 }], 2, 4);
    const d = pairedAucDifference(a, b, labels, 2, clustersOf(labels.length), { seed: 0 });
    expect(d.tooSmall).toBe('4 images, 2 of each class');
    expect(differenceSentence(d)).toContain('a paired test needs at least 10 images, 2 of each class');
  });
});

describe('lumen compare on a tiny library', () => {
  let root: string;
  let set: PhantomSet;
  let library: string;
  const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));
  const train = (out: string, epochs: number) => lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--from-scratch', '--resolution', '32', '--epochs', String(epochs), '--seed', '1', '--out', out, '--window', 'ct-abdomen', '--json']);

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lumen-compare-small-'));
    set = writePhantomSet(path.join(root, 'dicom'), { patients: 12, slices: 3, size: 32, seed: 23 });
    library = path.join(root, 'library');
    const imported = await lumen(['import', set.dir, '--library', library, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    for (const [name, epochs] of [['tiny-a', 1], ['tiny-b', 3]] as const) {
      const t = await train(path.join(root, name), epochs);
      expect(t.code, t.stderr).toBe(0);
    }
  }, 400_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('says the test set is too small to tell, with why, and no p-value', async () => {
    const args = ['compare', '--model', path.join(root, 'tiny-a'), '--model', path.join(root, 'tiny-b'), '--library', library];
    const json = await lumen([...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout);
    expect(c.patients).toBeLessThan(10);
    for (const level of ['perImage', 'perSeries', 'perPatient']) {
      const d = c.differences[level];
      expect(d.holds).toBe(false);
      expect(d.p).toBeNull();
      expect(d.tooSmall).toMatch(new RegExp(`^${c.patients} held-out patients(, 1 of each class|: )`));
      expect(d.sentence).toContain('the test set is too small to tell');
    }
    // The same warning lumen train prints under its test results.
    expect(c.notes.join('\n')).toContain(`Only ${c.patients} patients held out for testing`);
    const human = await lumen(args);
    expect(human.code, human.stderr).toBe(0);
    writeFileSync(path.join(root, 'compare.txt'), human.stdout);
    console.log(human.stdout);
    expect(human.stdout).toMatch(/Per image \(\d+\): A \d\.\d{3}, B \d\.\d{3}\. .*too small to tell/);
    expect(human.stdout).not.toMatch(/the difference holds|p = |p < /);
    // The three levels share their few patients: why it is too small is said once, after them.
    const reasons = [c.differences.perImage, c.differences.perSeries, c.differences.perPatient].map((d: { tooSmall: string }) => d.tooSmall);
    if (new Set(reasons).size === 1) {
      expect(human.stdout.split(reasons[0]).length - 1).toBe(1);
      expect(human.stdout).toMatch(new RegExp(`\\n  Too small to tell at every level: ${reasons[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; a paired test needs at least 10 patients, 2 of each class\\.\\n`));
      expect(human.stdout.match(/too small to tell whether that holds\./g)).toHaveLength(3);
    }
    expect(human.stdout).toContain(`Only ${c.patients} patients held out for testing`);
  }, 300_000);
});
