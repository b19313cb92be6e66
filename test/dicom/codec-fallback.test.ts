// Without Lumen's own WASM builds (a checkout built without emscripten, here
// LUMEN_CODECS_DIR="") the same files decode to the same stored values through
// the Cornerstone codecs, jpeg12.ts and the JavaScript RLE loop: `lumen pixels`
// with and without them (12-bit JPEG: test/dicom/libjpeg12.test.ts).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { makeFixtures } from './fixtures';
import { tempFolderForTests } from '../support/temp-folder';

const run = promisify(execFile);
const made = tempFolderForTests('fallback', makeFixtures);

async function pixels(file: string, frame: number, out: string, env: NodeJS.ProcessEnv): Promise<Buffer> {
  await run(process.execPath, ['bin/lumen.mjs', 'pixels', file, '--frame', String(frame), '--out', out, '--json'], { cwd: process.cwd(), env });
  return readFileSync(out);
}

it('LUMEN_CODECS_DIR="" turns the builds off (what the runs below rely on)', async () => {
  const saved = process.env.LUMEN_CODECS_DIR;
  process.env.LUMEN_CODECS_DIR = '';
  try {
    // Each loader reads the setting on its first use in this test file's own module graph.
    expect(await (await import('../../electron/dicom/openjpeg')).j2kDecoderName()).toMatch(/^@cornerstonejs\/codec-openjpeg \(dist\/codecs\/openjpeg\.wasm is not built/);
    expect(await (await import('../../electron/dicom/libjpeg')).jpegDecoderName()).toMatch(/^@cornerstonejs\/codec-libjpeg-turbo-8bit/);
    expect(await (await import('../../electron/dicom/libjpeg')).jpeg12DecoderName()).toMatch(/^Lumen jpeg12\.ts \(TypeScript; dist\/codecs\/libjpeg12\.wasm is not built/);
    expect((await import('../../electron/dicom/rle')).rleImplementation()).toBe('js');
  } finally {
    if (saved === undefined) delete process.env.LUMEN_CODECS_DIR;
    else process.env.LUMEN_CODECS_DIR = saved;
  }
});

it.each([
  ['ct16-j2k', 0],
  ['multi-j2k', 2],
  ['rgb-j2k-lossy', 0],
  ['mono8-jpegbaseline', 0],
  ['rgb-jpegbaseline', 0],
  ['ct16-rle', 0],
  ['rgb-rle', 0],
] as const)('%s frame %i: the same stored values with and without the WASM builds', async (name, frame) => {
  const own = await pixels(made.fixtures[name].file, frame, join(made.dir, `${name}-own.raw`), process.env);
  const fallback = await pixels(made.fixtures[name].file, frame, join(made.dir, `${name}-fallback.raw`), { ...process.env, LUMEN_CODECS_DIR: '' });
  expect(own.length).toBeGreaterThan(0);
  expect(fallback.equals(own)).toBe(true);
});
