// Every request of the contract that names a file or folder goes through the one path check.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requests, type RequestName } from '../../common/contract';
import { PATH_FIELDS } from '../../electron/engine/access';

/** Input fields whose name says they hold a path. */
const PATH_LIKE = /^(paths?|file|files|out|.*Dir|.*Folder|.*Package|.*File|.*Path)$/;

describe('the path check covers the contract', () => {
  it('lists every input field that names a file or folder, and only real ones', () => {
    const found: string[] = [];
    for (const [name, def] of Object.entries(requests)) {
      const input = def.input as z.ZodType;
      if (!(input instanceof z.ZodObject)) continue;
      for (const field of Object.keys(input.shape)) if (PATH_LIKE.test(field)) found.push(`${name}.${field}`);
    }
    const listed = Object.entries(PATH_FIELDS).flatMap(([name, fields]) => Object.keys(fields).map((field) => `${name}.${field}`));
    expect(found.length).toBeGreaterThan(10);
    expect(listed.sort()).toEqual(found.sort());
    for (const name of Object.keys(PATH_FIELDS)) expect(requests[name as RequestName].runsIn).toBe('engine');
  });
});
