// The data folder holds patient data: it is the user's alone (folders 0700, files 0600),
// whatever the umask, and an existing world-readable one is tightened when it is opened.
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/engine/engine';
import { Library } from '../../electron/library/library';
import { tmpDir, writeSlice } from './fixtures';

let root: string;
let dicom: string;
let umask: number;
const mode = (p: string) => statSync(p).mode & 0o777;

beforeAll(() => {
  // The loosest umask: every mode below must be set by Lumen, not inherited.
  umask = process.umask(0o000);
  root = tmpDir('modes');
  dicom = path.join(root, 'dicom');
  mkdirSync(dicom);
  for (let i = 1; i <= 2; i++) {
    writeSlice(path.join(dicom, `s${i}.dcm`), { patientName: 'Doe^Jane', patientId: 'P1', studyUid: '1.2.826.0.1.3680043.10.5.1', seriesUid: '1.2.826.0.1.3680043.10.5.1.2', sopUid: `1.2.826.0.1.3680043.10.5.1.2.${i}`, instanceNumber: i, z: i });
  }
});

afterAll(() => {
  process.umask(umask);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('data folder modes', () => {
  it('a new library: folders 0700; the database, its -wal and -shm, and thumbnails 0600', async () => {
    const dataDir = path.join(root, 'new-data');
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const report = await library.importPaths([dicom]);
      expect(report.imported).toBe(2);
      const series = library.listStudies()[0];
      expect(series).toBeTruthy();
      await library.thumbnail('1.2.826.0.1.3680043.10.5.1.2');
      const lib = path.join(dataDir, 'library');
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(lib)).toBe(0o700);
      expect(mode(path.join(lib, 'thumbnails'))).toBe(0o700);
      const files = readdirSync(lib).filter((f) => f !== 'thumbnails');
      expect(files).toEqual(expect.arrayContaining(['library.sqlite', 'library.sqlite-wal', 'library.sqlite-shm']));
      for (const f of files) expect(mode(path.join(lib, f)), f).toBe(0o600);
      for (const f of readdirSync(path.join(lib, 'thumbnails'))) expect(mode(path.join(lib, 'thumbnails', f)), f).toBe(0o600);
    } finally {
      library.close();
    }
  });

  it('an existing world-readable data folder and library are tightened when opened', () => {
    const dataDir = path.join(root, 'old-data');
    const lib = path.join(dataDir, 'library');
    mkdirSync(lib, { recursive: true, mode: 0o755 });
    Library.open(lib).close();
    chmodSync(dataDir, 0o755);
    chmodSync(lib, 0o755);
    chmodSync(path.join(lib, 'library.sqlite'), 0o644);
    writeFileSync(path.join(dataDir, 'latency.json'), '[]');

    const engine = createEngine({ dataDir, shell: 'browser' });
    engine.dispose();
    expect(mode(dataDir)).toBe(0o700);
    Library.open(lib).close();
    expect(mode(lib)).toBe(0o700);
    expect(mode(path.join(lib, 'library.sqlite'))).toBe(0o600);
    expect(existsSync(path.join(lib, 'library.sqlite-wal'))).toBe(false);
  });
});
