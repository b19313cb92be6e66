import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

// eslint.config.js's LAYERS: which of our folders may import which, no import
// cycles, and a default deny for any folder the table does not place. These
// plant violations at real paths and check that lint fails them.
const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import directions between folders', () => {
  it.each([
    ['electron/dicom/planted.ts', "import { trainClassifier } from '../training/train';\nexport const x = trainClassifier;\n"],
    ['electron/dicom/planted.ts', "import { Library } from '../library/library';\nexport const x = Library;\n"],
    ['electron/library/planted.ts', "import { summarise } from '../training/dataset';\nexport const x = summarise;\n"],
    ['electron/training/planted.ts', "import { EngineHost } from '../engine/host';\nexport const x = EngineHost;\n"],
    ['electron/engine/planted.ts', "import { command } from '../cli/ls';\nexport const x = command;\n"],
    ['electron/engine/planted.ts', "import { startBridge } from '../serve/server';\nexport const x = startBridge;\n"],
    ['models/planted.ts', "import { parseDicomFile } from '../electron/dicom/parse';\nexport const x = parseDicomFile;\n"],
    ['electron/main/planted.ts', "import { Library } from '../library/library';\nexport const x = Library;\n"],
    ['electron/cli/planted.ts', "import { dicomSuite } from '../../bench/data';\nexport const x = dicomSuite;\n"],
    ['electron/dicom/planted.ts', "import { writeImage } from '../../test/support/dicom/write';\nexport const x = writeImage;\n"],
    ['common/planted.ts', "import { removeInside } from './node/safe-fs';\nexport const x = removeInside;\n"],
  ])('%s may not do: %s', async (file, code) => {
    const errors = await errorsFor(file, code);
    expect(errors.some((e) => e.startsWith('import-x/no-restricted-paths'))).toBe(true);
  });

  it.each([
    ['electron/training/planted.ts', "import { parseDicomFile } from '../dicom/parse';\nexport const x = parseDicomFile;\n"],
    ['electron/library/planted.ts', "import { parseDicomFile } from '../dicom/parse';\nexport const x = parseDicomFile;\n"],
    ['electron/dicom/planted.ts', "import { mulberry32 } from '../../common/random';\nexport const x = mulberry32;\n"],
    ['electron/main/planted.ts', "import { EngineHost } from '../engine/host';\nexport const x = EngineHost;\n"],
    ['electron/cli/planted.ts', "export const load = () => import('../../bench/index');\n"],
    ['bench/planted.ts', "import { writeImage } from '../test/support/dicom/write';\nexport const x = writeImage;\n"],
  ])('%s may do: %s', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});

describe('default deny', () => {
  it.each(['electron/newpart/planted.ts', 'newfolder/planted.ts', 'electron/planted.ts'])('a file in a folder the rules do not place fails lint: %s', async (file) => {
    const errors = await errorsFor(file, 'export const x = 1;\n');
    expect(errors.some((e) => e.startsWith('no-restricted-syntax') && e.includes('LAYERS'))).toBe(true);
  });

  it('a folder the rules do not place cannot be imported from a placed one', async () => {
    // electron/newpart/ does not exist: a real file is needed for the import to resolve.
    const dir = join('electron', `newpart-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'thing.ts'), 'export const thing = 1;\n');
      const errors = await errorsFor('electron/engine/planted.ts', `import { thing } from '../newpart-${process.pid}/thing';\nexport const x = thing;\n`);
      expect(errors.some((e) => e.startsWith('import-x/no-restricted-paths'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no import cycles', () => {
  // no-cycle follows imports on disk, so the cycle is planted as two real files.
  const dir = join('electron', 'dicom', `planted-cycle-${process.pid}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('two modules that import each other fail lint', async () => {
    mkdirSync(dir, { recursive: true });
    const a = "import { b } from './b';\nexport const a = () => b() + 1;\n";
    writeFileSync(join(dir, 'a.ts'), a);
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a';\nexport const b = () => (a ? 1 : 0);\n");
    const errors = await errorsFor(join(dir, 'a.ts'), a);
    expect(errors.some((e) => e.startsWith('import-x/no-cycle'))).toBe(true);
  });

  it('the same two modules without the back edge pass', async () => {
    mkdirSync(dir, { recursive: true });
    const a = "import { b } from './b';\nexport const a = () => b() + 1;\n";
    writeFileSync(join(dir, 'a.ts'), a);
    writeFileSync(join(dir, 'b.ts'), 'export const b = () => 1;\n');
    expect(await errorsFor(join(dir, 'a.ts'), a)).toEqual([]);
  });
});
