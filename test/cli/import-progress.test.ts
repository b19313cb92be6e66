// The live progress line of `lumen import` counts what was imported as the final report does
// (common/counts.ts): a three-frame file made by GDCM's gdcmimg and a single-frame one made by
// dcmtk's img2dcm are "4 images (2 files) imported", not "2 imported". Run on a real terminal
// (util-linux `script` gives it a pseudo-terminal); with stderr not a terminal nothing is drawn.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { importProgressFolder } from '../support/import-progress-folder';
import { tmpDir } from '../library/fixtures';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');

/** `lumen import` on a pseudo-terminal `columns` wide: each redraw of its progress line, as the terminal was sent it. */
async function progressLines(args: string[], dataDir: string, columns = 200): Promise<{ redraws: string[]; report: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols ${columns}; ${[process.execPath, path.join(repo, 'bin/lumen.mjs'), ...args].map(quote).join(' ')}`;
  const { stdout } = await run('script', ['-qefc', command, '/dev/null'], { cwd: repo, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, maxBuffer: 16 * 1024 * 1024 });
  // Each redraw starts with a carriage return and "erase line"; the last one erases the line for the report.
  const parts = stdout.split('\r\x1b[2K');
  const redraws = parts.slice(1, -1);
  for (const line of redraws) expect(line, 'a redraw is one line').not.toMatch(/[\r\n]/);
  return { redraws, report: parts.at(-1)!.replace(/\r\n/g, '\n') };
}

describe("lumen import's progress line", () => {
  const root = tmpDir('import-progress');
  const folder = path.join(root, 'in');
  beforeAll(() => {
    expect(importProgressFolder(root)).toBe(folder);
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('says the images imported and the files holding them, as the report does', async () => {
    const library = path.join(root, 'lib');
    const { redraws, report } = await progressLines(['import', folder, '--library', library], path.join(root, 'data'));
    expect(report).toMatch(/^4 images \(2 files\) imported; 3 files looked at in /m);
    // Drawn once the reading is over (forced, whatever the pace): the counts the report gives.
    const finishing = redraws.filter((l) => l.startsWith('Finishing…'));
    expect(finishing.length).toBeGreaterThan(0);
    expect(finishing.at(-1)).toBe('Finishing… · 4 images (2 files) imported · 1 file not imported');
    for (const line of redraws) {
      expect(line).not.toMatch(/\d+ imported|errors|\b1 files/);
      expect(line.length).toBeLessThan(200);
    }

    // The same folder again: nothing new, and the line says why rather than "0 imported".
    const again = await progressLines(['import', folder, '--library', library], path.join(root, 'data'));
    expect(again.redraws.filter((l) => l.startsWith('Finishing…')).at(-1)).toBe('Finishing… · 0 images imported, 2 files already in the library · 1 file not imported');
  }, 180_000);

  it('stays one line on a narrow terminal', async () => {
    const { redraws } = await progressLines(['import', folder, '--library', path.join(root, 'narrow-lib')], path.join(root, 'narrow-data'), 40);
    expect(redraws.length).toBeGreaterThan(0);
    for (const line of redraws) expect(line.length).toBeLessThanOrEqual(39);
  }, 180_000);

  it('draws nothing where stderr is not a terminal', async () => {
    const result = await runLumen(['import', folder, '--library', path.join(root, 'piped-lib')], path.join(root, 'piped-data'));
    expect(result.stdout).toMatch(/^4 images \(2 files\) imported; /);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('\r');
  }, 180_000);
});
