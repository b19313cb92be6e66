// A small disk of its own for the tests of full and read-only disks: a tmpfs of a few MiB
// mounted on a temporary folder, filled up to what a test leaves free, made read-only and
// writable again with `mount -o remount`. Mounting needs root (the tests and CI run as root:
// .ci/run runs under sudo); elsewhere `smallDiskSkip` is the reason the test file gives for
// skipping, shown in its title, never a silent pass.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

const FILLER = '.filler';

/** Why a small disk cannot be mounted here (not root, or no mount command), or null when it can. */
function whyNoSmallDisk(): string | null {
  if (process.platform !== 'linux') return 'needs Linux to mount a tmpfs';
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs (run the tests as root, as .ci/run does)';
  return null;
}

/** null when this machine can mount a small disk, else the reason, for `describe.skipIf(smallDiskSkip)` and the title. */
export const smallDiskSkip = whyNoSmallDisk();

/** A mounted tmpfs: `dir` is its root. */
export interface SmallDisk {
  dir: string;
  /** Bytes the file system says are free now. */
  free(): number;
  /** Writes a filler file until at most `leaveBytes` are free (0: the disk is full). */
  fill(leaveBytes?: number): void;
  /** Removes the filler: the space it took is free again. */
  unfill(): void;
  readOnly(): void;
  writable(): void;
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

function mounted(dir: string): boolean {
  return fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === dir);
}

/**
 * Mounts a tmpfs of `megabytes` MiB on a new temporary folder before the file's tests and
 * unmounts and removes it after them, also when a test failed (a still-open file keeps it busy:
 * then it is detached lazily). The object is empty until the tests start: read it in tests and hooks.
 */
export function smallDiskForTests(name: string, megabytes = 8): SmallDisk {
  const disk = {} as SmallDisk;
  let root = '';
  beforeAll(() => {
    if (smallDiskSkip) return;
    root = fs.mkdtempSync(path.join(os.tmpdir(), `lumen-${name}-`));
    const dir = path.join(root, 'disk');
    fs.mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0755`, 'tmpfs', dir]);
    const filler = path.join(dir, FILLER);
    Object.assign(disk, {
      dir,
      free: () => freeBytes(dir),
      fill(leaveBytes = 0) {
        const fd = fs.openSync(filler, 'a');
        try {
          const chunk = Buffer.alloc(64 * 1024, 0x55);
          // tmpfs counts whole pages: write in pages until no more fits above what is left.
          for (let free = freeBytes(dir); free > leaveBytes; free = freeBytes(dir)) {
            const n = Math.min(chunk.length, Math.max(4096, free - leaveBytes));
            try {
              fs.writeSync(fd, chunk, 0, n);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      },
      unfill: () => fs.rmSync(filler, { force: true }),
      readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
      writable: () => execFileSync('mount', ['-o', 'remount,rw', dir]),
    } satisfies SmallDisk);
  });
  afterAll(() => {
    if (!root) return;
    const dir = path.join(root, 'disk');
    if (mounted(dir)) {
      try {
        // Quietly: a busy disk (a file a test's process still maps) is let go lazily below.
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir]);
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  return disk;
}
