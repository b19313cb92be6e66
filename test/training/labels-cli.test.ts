// `lumen labels export / import / overview` as a user runs them (spawned): the export is the
// CSV the import reads, so export → import gives back the same labels.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('labels-cli', (dir) => writePhantomSet(dir, { patients: 6, slices: 2, size: 32, seed: 23 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen labels', () => {
  it('exports the labels as CSV that imports back to the same labels', async () => {
    // Series labels from the phantoms' CSV, and one image label on top.
    const first = await lumen(['labels', 'import', set.csv, '--library', library, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).labelled.series).toBe(6);
    const image = path.join(root, 'image.csv');
    writeFileSync(image, `SOPInstanceUID,label\n${set.patients[0].sops[1]},=odd\n`);
    expect((await lumen(['labels', 'import', image, '--library', library])).stdout).toBe('1 row: labelled 0 series, 1 image, 0 studies\n');

    const out = path.join(root, 'labels.csv');
    const exported = await lumen(['labels', 'export', '--library', library, '--out', out, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual({ out, rows: 7 });
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label');
    expect(csv).toContain(`${set.patients[0].studyUid},${set.patients[0].seriesUid},${set.patients[0].sops[1]},,'=odd`);
    for (const p of set.patients) expect(csv).not.toContain(p.patientId);
    // Not over an existing file unless asked.
    const again = await lumen(['labels', 'export', '--library', library, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists (pass --overwrite to replace it)');

    // Into a fresh library of the same images: the same labels.
    const other = path.join(root, 'other');
    expect((await lumen(['import', set.dir, '--library', other, '--json'])).code).toBe(0);
    const back = await lumen(['labels', 'import', out, '--library', other, '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ rows: 7, labelled: { series: 6, image: 1, study: 0 }, problems: [] });
    const out2 = path.join(root, 'labels2.csv');
    expect((await lumen(['labels', 'export', '--library', other, '--out', out2])).stdout).toBe(`Wrote 7 labels to ${out2}\n`);
    expect(readFileSync(out2, 'utf8')).toBe(csv);

    // The overview counts per class, patients by pseudonym only.
    const overview = await lumen(['labels', 'overview', '--library', other, '--json']);
    const o = JSON.parse(overview.stdout);
    expect(o.totals).toMatchObject({ patients: 6, series: 6, images: 12, unlabelledSeries: 0 });
    expect(o.classes.map((c: { className: string }) => c.className)).toEqual(['=odd', 'elongated', 'none', 'round']);
    expect(overview.stdout).not.toMatch(/PH0|Phantom/);
  }, 120_000);

  it('reads an optional frame column, names a frame the file does not have by its line, and says so in --help', async () => {
    const help = await lumen(['labels', '--help']);
    expect(help.stdout).toContain('SOPInstanceUID, frame, label');
    expect(help.stdout).toContain('an optional frame column');
    const file = path.join(root, 'frames.csv');
    // The phantoms are single-frame: frame 1 is the image itself, frame 2 is past its last.
    writeFileSync(file, `SOPInstanceUID,frame,label\n${set.patients[1].sops[0]},1,round\n${set.patients[1].sops[1]},2,round\n`);
    const r = await lumen(['labels', 'import', file, '--library', library]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`line 3: frame 2 is past the last frame of SOPInstanceUID ${set.patients[1].sops[1]} (1 frame)`);
    expect(r.stdout).toContain('labelled 0 series, 1 image, 0 studies');
  }, 60_000);

  it('says what is wrong in words: no library, no action, no file', async () => {
    const none = await lumen(['labels', 'export', '--library', path.join(root, 'nowhere'), '--out', path.join(root, 'x.csv')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('There is no library in');
    expect(existsSync(path.join(root, 'nowhere'))).toBe(false);
    const bad = await lumen(['labels', 'relabel']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown action "relabel"; one of export, import, overview');
    const missing = await lumen(['labels', 'import', path.join(root, 'missing.csv'), '--library', library]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`lumen labels: the label CSV ${path.join(root, 'missing.csv')}: no such file or folder.\n`);
  }, 60_000);
});
