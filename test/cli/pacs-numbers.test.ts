// `lumen pacs` reads its numbers (--port, --timeout) as decimal numbers only, as every other
// command does (command.ts decimalNumber): Number() alone reads "0x2B67" as 11111 and "1e1" or
// " 10 " as numbers a person did not type as such.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-pacs-numbers-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const data = path.join(root, 'data');

describe('lumen pacs numbers', () => {
  it('refuses a port or timeout that is not a decimal number, with exit 2', async () => {
    const listen = await runLumen(['pacs', 'listen', '--host', '127.0.0.1', '--port', '0x2B67', '--allow', 'X'], data, {}, { timeout: 20_000 });
    expect(listen.code).toBe(2);
    expect(listen.stderr).toMatch(/--port "0x2B67" is not a port number/);
    expect((await runLumen(['pacs', 'add', '--name', 'p', '--dimse', 'ORTHANC@127.0.0.1:1'], data)).code).toBe(0);
    const query = await runLumen(['pacs', 'query', '--pacs', 'p', '--timeout', '0x10'], data, {}, { timeout: 20_000 });
    expect(query.code).toBe(2);
    expect(query.stderr).toMatch(/--timeout "0x10" is not a number of seconds/);
  }, 60_000);
});
