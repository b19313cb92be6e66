import { describe, expect, it } from 'vitest';
import { countIssues, issuePhrases, issuesAsText } from '../../common/import-summary';

describe('the import summary', () => {
  it('counts each kind apart and words only the kinds present, failures first', () => {
    const counts = countIssues([{ kind: 'duplicate' }, { kind: 'no-image' }, { kind: 'conflict' }, { kind: 'no-image' }, { kind: 'error' }, { kind: 'not-dicom' }]);
    expect(counts).toEqual({ error: 1, 'not-found': 0, duplicate: 1, 'no-image': 2, 'not-dicom': 1, conflict: 1 });
    expect(issuePhrases(counts).map((p) => p.text)).toEqual(['1 file could not be read', '1 duplicate skipped', '2 objects without an image', '1 file not DICOM', '1 file with other patient details (imported)']);
    expect(issuePhrases(countIssues([{ kind: 'not-found' }, { kind: 'not-found' }])).map((p) => p.text)).toEqual(['2 paths do not exist']);
    expect(issuePhrases(countIssues([]))).toEqual([]);
  });

  it('copies as tab-separated lines, one per file, tabs and line breaks in a value flattened', () => {
    const text = issuesAsText([
      { file: '/a/b\tc', kind: 'duplicate', reason: 'duplicate: same\nimage', keptFile: '/a/kept' },
      { file: '/a/readme', kind: 'not-dicom', reason: 'not a DICOM file' },
    ]);
    expect(text.split('\n')).toEqual(['File\tWhat\tReason\tKept copy', '/a/b c\tDuplicate\tduplicate: same image\t/a/kept', '/a/readme\tNot DICOM\tnot a DICOM file\t', '']);
  });
});
