import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The lint configuration is what keeps docs/ARCHITECTURE.md's import directions from
// drifting; these plant violations at real paths and check lint fails them.
const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it.each([
    ['renderer/src/planted.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['renderer/src/planted.ts', "import fs from 'node:fs';\nexport const x = fs;\n"],
    ['renderer/src/planted.ts', "import { initBackend } from '../../models/runtime';\nexport const x = initBackend;\n"],
    ['renderer/src/planted.ts', "import { EngineHost } from '../../electron/engine/host';\nexport const x = EngineHost;\n"],
    ['models/planted.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['models/planted.ts', "import React from 'react';\nexport const x = React;\n"],
    ['models/planted.ts', "import { EngineHost } from '../electron/engine/host';\nexport const x = EngineHost;\n"],
    ['common/planted.ts', "import { initBackend } from '../models/runtime';\nexport const x = initBackend;\n"],
    ['common/planted.ts', "import path from 'node:path';\nexport const x = path;\n"],
    ['electron/engine/planted.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['renderer/src/planted.ts', "import { removeInside } from '../../common/node/safe-fs';\nexport const x = removeInside;\n"],
    ['common/node/planted.ts', "import { initBackend } from '../../models/runtime';\nexport const x = initBackend;\n"],
    ['common/node/planted.ts', "import { app } from 'electron';\nexport const x = app;\n"],
  ])('%s may not do: %s', async (file, code) => {
    const errors = await errorsFor(file, code);
    expect(errors.some((e) => e.startsWith('no-restricted-imports'))).toBe(true);
  });

  it.each([
    ['renderer/src/planted.ts', "import { requests } from '../../common/contract';\nexport const x = requests;\n"],
    ['models/planted.ts', "import * as tf from '@tensorflow/tfjs';\nimport fs from 'node:fs';\nexport const x = [tf, fs];\n"],
    ['electron/main/planted.ts', "import { app } from 'electron';\nexport const x = app;\n"],
    ['common/node/planted.ts', "import fs from 'node:fs';\nimport { requests } from '../contract';\nexport const x = [fs, requests];\n"],
  ])('%s may do: %s', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
