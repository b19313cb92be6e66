import { describe, expect, it } from 'vitest';
import { defaultDataDir, defaultLibraryDir } from '../../electron/library/paths';

describe('default data and library folders', () => {
  it('LUMEN_DATA_DIR wins everywhere', () => {
    expect(defaultDataDir({ LUMEN_DATA_DIR: '/data/lumen', HOME: '/home/u' }, 'linux')).toBe('/data/lumen');
    expect(defaultLibraryDir({ LUMEN_DATA_DIR: '/data/lumen', HOME: '/home/u' }, 'darwin')).toBe('/data/lumen/library');
  });

  it('Linux: XDG_DATA_HOME/lumen, else ~/.local/share/lumen (a relative XDG_DATA_HOME is ignored)', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/share', HOME: '/home/u' }, 'linux')).toBe('/x/share/lumen');
    expect(defaultDataDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/lumen');
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative', HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/lumen');
    expect(defaultLibraryDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.local/share/lumen/library');
  });

  it('macOS: ~/Library/Application Support/Lumen', () => {
    expect(defaultDataDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/Lumen');
  });

  it('Windows: %APPDATA%\\Lumen', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming', USERPROFILE: 'C:\\Users\\u' }, 'win32')).toBe('C:\\Users\\u\\AppData\\Roaming\\Lumen');
    expect(defaultLibraryDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\u\\AppData\\Roaming\\Lumen\\library');
  });
});
