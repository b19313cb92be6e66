// Every request of the contract that names a file or folder goes through the one path check.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requests, type RequestName } from '../../common/contract';
import { checkPath, PATH_FIELDS } from '../../electron/engine/access';

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

describe('checkPath', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'lumen-access-'));
  const real = path.join(base, 'real-data');
  const linked = path.join(base, 'data'); // the data folder as the user named it: a link
  const elsewhere = path.join(base, 'elsewhere');
  mkdirSync(path.join(real, 'models'), { recursive: true });
  mkdirSync(elsewhere);
  symlinkSync(real, linked);
  writeFileSync(path.join(real, 'labels.csv'), 'SeriesInstanceUID,label\n');
  writeFileSync(path.join(elsewhere, 'labels.csv'), 'SeriesInstanceUID,label\n');
  symlinkSync(path.join(elsewhere, 'labels.csv'), path.join(real, 'out.csv'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const bridge = { roots: [] };

  it('allows the data folder reached through a link, and hands the path on as named (absolute)', () => {
    expect(checkPath(path.join(linked, 'labels.csv'), 'read', 'label CSV', bridge, linked)).toBe(path.join(linked, 'labels.csv'));
    expect(checkPath(path.join(linked, 'models', 'new'), 'write', 'package folder', bridge, linked)).toBe(path.join(linked, 'models', 'new'));
  });

  it('refuses what lies outside once links are resolved, and a path that is not there', () => {
    expect(() => checkPath(path.join(elsewhere, 'labels.csv'), 'read', 'label CSV', bridge, linked)).toThrow(/outside/);
    expect(() => checkPath(path.join(linked, 'out.csv'), 'read', 'label CSV', bridge, linked)).toThrow(/resolves to .*outside/);
    expect(() => checkPath(path.join(linked, '..', 'elsewhere', 'labels.csv'), 'read', 'label CSV', bridge, linked)).toThrow(/outside/);
    expect(() => checkPath(path.join(linked, 'nope.csv'), 'read', 'label CSV', bridge, linked)).toThrow(/does not exist/);
    expect(checkPath(path.join(elsewhere, 'labels.csv'), 'read', 'label CSV', { roots: [elsewhere] }, linked)).toBe(path.join(elsewhere, 'labels.csv'));
  });

  it('lets the desktop app name any path, with the same export rules', () => {
    expect(checkPath(path.join(elsewhere, 'labels.csv'), 'read', 'label CSV', 'everywhere', linked)).toBe(path.join(elsewhere, 'labels.csv'));
    expect(() => checkPath(path.join(elsewhere, 'labels.csv'), 'export', 'package file', 'everywhere', linked)).toThrow(/\.lumenpkg/);
    writeFileSync(path.join(elsewhere, 'old.lumenpkg'), '');
    expect(() => checkPath(path.join(elsewhere, 'old.lumenpkg'), 'export', 'package file', 'everywhere', linked)).toThrow(/already exists/);
    expect(checkPath(path.join(elsewhere, 'new.lumenpkg'), 'export', 'package file', 'everywhere', linked)).toBe(path.join(elsewhere, 'new.lumenpkg'));
  });

  it('refuses what cannot be a path at all, for every use, the desktop app too (an empty import was the engine\'s own folder)', () => {
    for (const use of ['chosen', 'read', 'write', 'export'] as const) {
      expect(() => checkPath('', use, 'folder to import', 'everywhere', linked)).toThrow('The folder to import cannot be used: the path is empty.');
      expect(() => checkPath(`${base}/a\0b`, use, 'label CSV', 'everywhere', linked)).toThrow(/label CSV .*\\u0000b cannot be used: the path contains a NUL character/);
      expect(() => checkPath(`${base}/${'x'.repeat(300)}`, use, 'label CSV', bridge, linked)).toThrow(/one name in the path is too long/);
    }
  });
});
