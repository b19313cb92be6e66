// The one UID check (common/dicom-uid.ts) and the contract's two UID schemas built on it.
import { describe, expect, it } from 'vitest';
import { isLibraryUid, isUid, LEADING_ZERO, uidProblem } from '../../common/dicom-uid';
import { SendableUid, Uid } from '../../common/contract/define';

const SIXTY_FOUR = `1.2.${'3'.repeat(60)}`;

// [uid, by the standard, usable in the library]
const TABLE: [unknown, boolean, boolean][] = [
  ['1.2.840.10008.1.2.1', true, true],
  ['0', true, true],
  ['1', true, true],
  ['2.25.329800735698586629295641978511506172918', true, true],
  ['1.0.2', true, true],
  [SIXTY_FOUR, true, true],
  ['1.02', false, true],
  ['01.2', false, true],
  ['1.2.00', false, true],
  ['1..2', false, false],
  ['.1', false, false],
  ['1.', false, false],
  ['.', false, false],
  ['', false, false],
  [`${SIXTY_FOUR}1`, false, false],
  ['1.2a', false, false],
  ['1.2 ', false, false],
  ['1,2', false, false],
  ['-1.2', false, false],
  ['1.2\u202e3', false, false],
  ['١.٢', false, false],
  [12, false, false],
  [null, false, false],
];

describe('a DICOM UID (PS3.5 §9.1)', () => {
  it.each(TABLE)('%j: standard %s, usable in the library %s', (uid, standard, library) => {
    expect(isUid(uid)).toBe(standard);
    expect(isLibraryUid(uid)).toBe(library);
    expect(uidProblem(uid) === null).toBe(standard);
    expect(uidProblem(uid) === LEADING_ZERO).toBe(library && !standard);
    if (typeof uid === 'string') {
      expect(Uid.safeParse(uid).success).toBe(library);
      expect(SendableUid.safeParse(uid).success).toBe(standard);
    }
  });

  it('says what is wrong without repeating the value', () => {
    expect(uidProblem('1..2')).toBe('has an empty component (a dot at the start or the end, or two dots in a row)');
    expect(uidProblem('1.02')).toBe('has a component that starts with 0 (only "0" itself may)');
    expect(uidProblem('1.2.PATIENT')).toBe('holds characters other than digits and dots');
    expect(uidProblem('1'.repeat(65))).toBe('is 65 characters long, more than the 64 a DICOM UID may have');
    const refused = SendableUid.safeParse('1.2.3.04');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0].message).toMatch(/^a DICOM UID sent to a PACS .*: this one has a component that starts with 0/);
    expect(Uid.safeParse('1.2.DOE').error?.issues[0].message).toBe('a DICOM UID is digits and dots, at most 64 characters: this one holds characters other than digits and dots');
  });
});
