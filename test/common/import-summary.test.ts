import { describe, expect, it } from 'vitest';
import { countIssues, importCountsPhrase, issuePhrases, issuesAsText } from '../../common/import-summary';

describe('the import summary', () => {
  it('counts each kind apart and words only the kinds present, failures first', () => {
    const counts = countIssues([{ kind: 'duplicate' }, { kind: 'no-image' }, { kind: 'conflict' }, { kind: 'no-image' }, { kind: 'error' }, { kind: 'not-dicom' }]);
    expect(counts).toEqual({ error: 1, 'not-written': 0, 'not-found': 0, duplicate: 1, 'no-image': 2, 'not-dicom': 1, conflict: 1 });
    expect(issuePhrases(counts).map((p) => p.text)).toEqual(['1 file could not be read', '1 duplicate file skipped', '2 objects without an image', '1 file not DICOM', '1 file with other patient details (imported)']);
    expect(issuePhrases(countIssues([{ kind: 'not-found' }, { kind: 'not-found' }])).map((p) => p.text)).toEqual(['2 paths do not exist']);
    expect(issuePhrases(countIssues([]))).toEqual([]);
    // Not reached by an import stopped by a full or read-only disk: left for the next one, not unreadable.
    expect(issuePhrases(countIssues([{ kind: 'not-written' }, { kind: 'not-written' }])).map((p) => p.text)).toEqual(['2 files left for the next import']);
  });

  it('words the counts: what was imported, what the library already held, what was read again', () => {
    expect(importCountsPhrase({ imported: 3, results: 0, unchanged: 2000, changed: 0 })).toBe('3 images imported, 2000 files already in the library');
    expect(importCountsPhrase({ imported: 0, results: 0, unchanged: 26, changed: 0 })).toBe('0 images imported, 26 files already in the library');
    expect(importCountsPhrase({ imported: 4, results: 1, unchanged: 5, changed: 1 })).toBe('3 images and 1 result document imported, 5 files already in the library, 1 changed file read again');
    expect(importCountsPhrase({ imported: 9, results: 0, unchanged: 0, changed: 2 })).toBe('9 images imported, 2 changed files read again');
    // Images as the study list counts them: a three-frame file is 3 images, its file named.
    expect(importCountsPhrase({ imported: 2, results: 0, importedImages: 4, unchanged: 0, changed: 0 })).toBe('4 images (2 files) imported');
    expect(importCountsPhrase({ imported: 3, results: 1, importedImages: 5, unchanged: 1, changed: 0 })).toBe('5 images (2 files) and 1 result document imported, 1 file already in the library');
  });

  it('copies as tab-separated lines, one per file, tabs and line breaks in a value flattened', () => {
    const text = issuesAsText([
      { file: '/a/b\tc', kind: 'duplicate', reason: 'duplicate: same\nimage', keptFile: '/a/kept' },
      { file: '/a/readme', kind: 'not-dicom', reason: 'not a DICOM file' },
    ]);
    expect(text.split('\n')).toEqual(['File\tWhat\tReason\tKept copy', '/a/b c\tDuplicate\tduplicate: same image\t/a/kept', '/a/readme\tNot DICOM\tnot a DICOM file\t', '']);
  });
});
