import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// third_party/ holds upstream sources exactly as released: SHA256SUMS lists
// every file with the hash it has in the release tarball (third_party/README.md),
// so an edit in place fails here; Lumen's changes are patch files, which must
// apply, in order, to a copy, as scripts/build-codecs.mjs applies them.
const root = 'third_party';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(root, path)];
  });
}

describe('vendored sources', () => {
  const listed = new Map(
    readFileSync(join(root, 'SHA256SUMS'), 'utf8').trim().split('\n').map((line) => {
      const [hash, file] = line.split(/\s+/);
      return [file, hash] as const;
    }),
  );

  it.each(['openjpeg', 'libjpeg-turbo'])('%s is unchanged from its release, file for file', (name) => {
    const files = filesUnder(join(root, name)).sort();
    expect(files).toEqual([...listed.keys()].filter((f) => f.startsWith(`${name}/`)).sort());
    const changed = files.filter((f) => createHash('sha256').update(readFileSync(join(root, f))).digest('hex') !== listed.get(f));
    expect(changed, 'edit a copy through third_party/patches/, never the upstream file').toEqual([]);
  });

  it("OpenJPEG's patches apply in order to a copy", () => {
    const work = mkdtempSync(join(tmpdir(), 'lumen-third-party-'));
    try {
      cpSync(join(root, 'openjpeg'), work, { recursive: true });
      const dir = join(root, 'patches', 'openjpeg');
      const patches = readdirSync(dir).filter((f) => f.endsWith('.patch')).sort();
      expect(patches.length).toBeGreaterThan(0);
      for (const p of patches) {
        const r = spawnSync('patch', ['-p1', '-s', '-N', '-d', work, '-i', join(process.cwd(), dir, p)], { encoding: 'utf8' });
        expect(r.status, `${p}: ${r.stdout}${r.stderr}`).toBe(0);
      }
      // Lumen's two changes are there after the patches, and only in the copy.
      expect(readFileSync(join(work, 'src/lib/openjp2/mqc_inl.h'), 'utf8')).toContain('__builtin_clz');
      expect(readFileSync(join(root, 'openjpeg/src/lib/openjp2/mqc_inl.h'), 'utf8')).not.toContain('__builtin_clz');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
