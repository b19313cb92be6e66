// `lumen labels import` of a CSV none of whose rows labels anything (every UID from another
// library, a `;`-separated sheet, a file of a UID column and no usable row) is a failure a
// script must see: exit 1 and a line on stderr, as `lumen import` exits 1 for a path that does
// not exist. A file of which some rows label something still exits 0 (H21, CLI walk).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

let root: string;
let set: PhantomSet;
let library: string;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('labels-none-used-h21', (dir) => writePhantomSet(dir, { patients: 2, slices: 1, size: 16, seed: 21 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen labels import of a file that labels nothing', () => {
  it('exits 1 and says so on stderr when no row is used; the report still lists every row', async () => {
    const file = path.join(root, 'other-library.csv');
    // A BOM and CRLF, as a spreadsheet writes: the UIDs are another library's.
    writeFileSync(file, '\ufeffSeriesInstanceUID,label\r\n1.2.3.4,ring\r\n1.2.3.5,disc\r\n');
    const r = await lumen(['labels', 'import', file, '--library', library]);
    expect(r.stdout).toContain('2 rows: labelled 0 series, 0 images, 0 studies');
    expect(r.stdout).toContain('line 2: SeriesInstanceUID 1.2.3.4 is not in the library');
    expect(r.stdout).toContain('line 3: SeriesInstanceUID 1.2.3.5 is not in the library');
    expect(r.stderr).toBe(`lumen labels: nothing was labelled: none of the 2 rows of ${file} could be used (the lines above say why).\n`);
    expect(r.code).toBe(1);

    const json = await lumen(['labels', 'import', file, '--library', library, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ rows: 2, labelled: { series: 0, image: 0, study: 0 } });
  }, 60_000);

  it('exits 0 when one row of several labels something', async () => {
    const file = path.join(root, 'some.csv');
    writeFileSync(file, `SeriesInstanceUID,label\n${set.patients[0].seriesUid},ring\n1.2.3.4,disc\n`);
    const r = await lumen(['labels', 'import', file, '--library', library]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('2 rows: labelled 1 series, 0 images, 0 studies');
  }, 60_000);
});
