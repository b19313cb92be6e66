import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// better-sqlite3 is opened only through electron/library/sqlite.ts, which loads
// the build made for the runtime that runs it (system Node, Node 24, Electron).
const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('SQLite is opened through openDatabase', () => {
  it.each(['electron/library/planted.ts', 'electron/engine/planted.ts', 'models/planted.ts'])('%s may not construct better-sqlite3 itself', async (file) => {
    const errors = await errorsFor(file, "import Database from 'better-sqlite3';\nexport const db = new Database(':memory:');\n");
    expect(errors.some((e) => e.startsWith('@typescript-eslint/no-restricted-imports') && e.includes('openDatabase'))).toBe(true);
  });

  it.each([
    ['electron/library/planted.ts', "import type Database from 'better-sqlite3';\nexport type Db = Database.Database;\n"],
    ['electron/library/sqlite.ts', "import Database from 'better-sqlite3';\nexport const db = new Database(':memory:');\n"],
  ])('%s may do: %s', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
