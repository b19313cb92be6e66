// A path as people paste it into a path box (F7): in quotes (Windows' "Copy as path", file
// managers), as a file:// URL (a folder dragged into a text box), or from ~. One function
// (access.ts typedPath) reads it for every path field of the contract, before the access check
// decides what may be read; through the browser a relative path is refused instead of being
// taken from the server's working folder, which the browser's user neither sees nor chose.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPath, checkRequestPaths, chosenFolders, PathRefusedError, typedPath } from '../../electron/engine/access';

const START = process.platform === 'win32' ? 'a drive letter' : '/';

describe('typedPath', () => {
  const bridge = { roots: [] };
  it('takes one pair of surrounding quotes off', () => {
    expect(typedPath('"/a/b c/d"', bridge, 'folder to import')).toBe('/a/b c/d');
    expect(typedPath("'/a/b'", bridge, 'folder to import')).toBe('/a/b');
    expect(typedPath('  "/a/b"\n', bridge, 'folder to import')).toBe('/a/b');
    // Only a matching pair, and only one: quotes inside a name stay.
    expect(typedPath('""/a/b""', 'everywhere', 'folder to import')).toBe('"/a/b"');
    expect(typedPath('"/a/b\'', 'everywhere', 'folder to import')).toBe('"/a/b\'');
    expect(typedPath("/a/it's here", bridge, 'folder to import')).toBe("/a/it's here");
    expect(typedPath('/a/"b"', bridge, 'folder to import')).toBe('/a/"b"');
  });

  it('reads a file:// URL on this computer, its escapes decoded', () => {
    expect(typedPath('file:///tmp/my%20dicom/%C3%A9t%C3%A9', bridge, 'folder to import')).toBe('/tmp/my dicom/été');
    expect(typedPath('file://localhost/tmp/x', bridge, 'folder to import')).toBe('/tmp/x');
    expect(typedPath('"file:///tmp/x"', bridge, 'folder to import')).toBe('/tmp/x');
    expect(typedPath(pathToFileURL('/tmp/a b#c?d').href, bridge, 'folder to import')).toBe('/tmp/a b#c?d');
    expect(() => typedPath('file://fileserver/share/x', bridge, 'folder to import')).toThrow(
      'The folder to import file://fileserver/share/x is on another computer (fileserver): Lumen reads only this computer\'s files. Copy them here, or mount the share and type its path.',
    );
    expect(() => typedPath('file:///tmp/a%2Fb', bridge, 'folder to import')).toThrow(PathRefusedError);
    expect(() => typedPath('file:///tmp/a%2Fb', bridge, 'folder to import')).toThrow(/The folder to import file:\/\/\/tmp\/a%2Fb cannot be used: /);
  });

  it('expands a leading ~ to the home folder of the engine\'s user', () => {
    expect(typedPath('~', bridge, 'folder to import')).toBe(os.homedir());
    expect(typedPath('~/dicom/in', bridge, 'folder to import')).toBe(path.join(os.homedir(), 'dicom/in'));
    expect(typedPath("'~/dicom'", bridge, 'folder to import')).toBe(path.join(os.homedir(), 'dicom'));
    // Another user's home is not looked up, and ~ inside a path is a name.
    expect(typedPath('/a/~/b', bridge, 'folder to import')).toBe('/a/~/b');
    expect(() => typedPath('~root/x', bridge, 'folder to import')).toThrow(/is not a full path/);
  });

  it('refuses a relative path through the browser, and keeps it for the desktop app and the CLI', () => {
    for (const p of ['incoming', './incoming', '../x', '"incoming"', 'file:incoming']) {
      expect(() => typedPath(p, bridge, 'folder to import'), p).toThrow(PathRefusedError);
    }
    expect(() => typedPath('incoming', bridge, 'folder to import')).toThrow(`The folder to import incoming is not a full path. Type the full path, starting with ${START}.`);
    expect(() => typedPath('labels.csv', bridge, 'label CSV')).toThrow(`The label CSV labels.csv is not a full path. Type the full path, starting with ${START}.`);
    expect(typedPath('incoming', 'everywhere', 'folder to import')).toBe('incoming');
    expect(typedPath('"incoming"', 'everywhere', 'folder to import')).toBe('incoming');
    // Left as it is: the checks after it say what is wrong with these.
    expect(typedPath('', bridge, 'folder to import')).toBe('');
    expect(typedPath('/a\0b', bridge, 'folder to import')).toBe('/a\0b');
  });
});

describe('every path field reads a pasted path before the access check', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'lumen-typed-path-'));
  const data = path.join(base, 'data');
  const chosen = path.join(base, 'my dicom');
  const elsewhere = path.join(base, 'elsewhere');
  mkdirSync(data);
  mkdirSync(chosen);
  mkdirSync(elsewhere);
  writeFileSync(path.join(chosen, 'labels.csv'), 'SeriesInstanceUID,label\n');
  writeFileSync(path.join(elsewhere, 'labels.csv'), 'SeriesInstanceUID,label\n');
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('imports a quoted path or a file URL as the folder it names, and allows that folder', () => {
    const bridge = { roots: [] };
    for (const typed of [`"${chosen}"`, `'${chosen}'`, pathToFileURL(chosen).href]) {
      expect(checkRequestPaths('library.import', { paths: [typed] }, bridge, data), typed).toEqual({ paths: [chosen] });
      expect(chosenFolders('library.import', { paths: [typed] }), typed).toEqual([chosen]);
    }
    expect(chosenFolders('library.import', { paths: ['incoming'] })).toEqual([]);
  });

  it('still refuses what the access check refuses, however it is typed', () => {
    const bridge = { roots: [chosen] };
    const label = path.join(chosen, 'labels.csv');
    expect(checkPath(`"${label}"`, 'read', 'label CSV', bridge, data)).toBe(label);
    expect(checkPath(pathToFileURL(label).href, 'read', 'label CSV', bridge, data)).toBe(label);
    const outside = path.join(elsewhere, 'labels.csv');
    for (const typed of [`"${outside}"`, pathToFileURL(outside).href]) {
      expect(() => checkPath(typed, 'read', 'label CSV', bridge, data), typed).toThrow(`The label CSV ${outside} is outside the folders this browser session may use`);
    }
    expect(() => checkRequestPaths('training.labels.importCsv', { path: 'labels.csv' }, bridge, data)).toThrow('is not a full path');
    expect(() => checkRequestPaths('export.table', { out: "'results.csv'" }, bridge, data)).toThrow('The table file results.csv is not a full path.');
    expect(() => checkRequestPaths('models.importPackage', { file: '"~/x.lumenpkg"' }, bridge, data)).toThrow(`The model package ${path.join(os.homedir(), 'x.lumenpkg')}`);
  });
});
