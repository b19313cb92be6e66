// The Finding Site and Laterality Lumen's SR gives an image (electron/results/anatomy.ts), on
// headers as hostile files carry them: odd case and padding, several values where one belongs,
// numbers, terms no table lists (object keys among them), coded regions in schemes or with
// meanings of their own, and multi-frame functional groups that say more, or less, than the image.
import { describe, expect, it } from 'vitest';
import { anatomyAt, bodyPartCode, imageAnatomy, lateralityCode } from '../../electron/results/anatomy';

const KNEE = { CodeValue: '72696002', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Knee' };
const CHEST = { CodeValue: '816094009', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Chest' };
const value = (c: { CodeValue: string } | null) => c?.CodeValue ?? null;

describe('Body Part Examined through PS3.16 Table L-1', () => {
  it('codes the defined terms whatever their case and padding', () => {
    expect(bodyPartCode('KNEE')).toEqual(KNEE);
    expect(bodyPartCode(' knee ')).toEqual(KNEE);
    expect(bodyPartCode(['Chest'])).toEqual(CHEST);
    expect(value(bodyPartCode('HIP'))).toBe('24136001');
    expect(value(bodyPartCode('CSPINE'))).toBe('122494005');
  });

  it('names nothing for anything else, and never throws', () => {
    for (const v of [undefined, null, '', '   ', 'ELBOWPIT', 'KNEE CHEST', ['KNEE', 'CHEST'], 42, {}, '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(bodyPartCode(v), String(v)).toBeNull();
    }
  });
});

describe('sides as CID 244 codes', () => {
  it('R, L and B, in any case, padded', () => {
    expect(value(lateralityCode('R'))).toBe('24028007');
    expect(value(lateralityCode(' l'))).toBe('7771000');
    expect(value(lateralityCode(['b']))).toBe('51440002');
  });

  it('U (unpaired), empty, several values and values no standard allows: no side', () => {
    for (const v of ['U', '', 'X', 'LEFT', ['L', 'R'], 7, undefined]) expect(lateralityCode(v), String(v)).toBeNull();
  });
});

describe('imageAnatomy', () => {
  it('Image Laterality wins over Laterality: it is the image’s own, the more specific', () => {
    expect(imageAnatomy({ BodyPartExamined: 'KNEE', Laterality: 'R', ImageLaterality: 'L' })).toEqual({ site: KNEE, laterality: expect.objectContaining({ CodeValue: '7771000' }) });
    // Image Laterality U: the image shows an unpaired structure, whatever the series says.
    expect(imageAnatomy({ BodyPartExamined: 'KNEE', Laterality: 'R', ImageLaterality: 'U' }).laterality).toBeNull();
    // A value no standard allows is as if absent: the series' side stands.
    expect(value(imageAnatomy({ BodyPartExamined: 'KNEE', Laterality: 'R', ImageLaterality: 'Q' }).laterality)).toBe('24028007');
    expect(imageAnatomy({})).toEqual({ site: null, laterality: null });
  });

  it('a coded Anatomic Region is used when it is an SCT code of the table, with the table’s meaning', () => {
    const hostile = { CodeValue: ' 72696002 ', CodingSchemeDesignator: 'SCT', CodeMeaning: '=HYPERLINK("x")' };
    expect(imageAnatomy({ AnatomicRegionSequence: [hostile], BodyPartExamined: 'CHEST' }).site).toEqual(KNEE);
    // An old SNOMED-RT code, an unknown SCT code, or no item at all: Body Part Examined decides.
    for (const seq of [[{ CodeValue: 'T-D9200', CodingSchemeDesignator: 'SRT', CodeMeaning: 'Knee' }], [{ CodeValue: '1', CodingSchemeDesignator: 'SCT', CodeMeaning: 'x' }], [], 'KNEE', [null]]) {
      expect(imageAnatomy({ AnatomicRegionSequence: seq, BodyPartExamined: 'CHEST' }).site, JSON.stringify(seq)).toEqual(CHEST);
    }
  });

  it('Frame Anatomy Sequence: per frame over shared over the image', () => {
    const frame = (side?: string, code?: string) => ({ FrameAnatomySequence: [{ ...(code ? { AnatomicRegionSequence: [{ CodeValue: code, CodingSchemeDesignator: 'SCT', CodeMeaning: 'x' }] } : {}), ...(side !== undefined ? { FrameLaterality: side } : {}) }] });
    const image = imageAnatomy({
      NumberOfFrames: '4',
      BodyPartExamined: 'CHEST',
      Laterality: 'R',
      SharedFunctionalGroupsSequence: [frame('L', '72696002')],
      PerFrameFunctionalGroupsSequence: [frame('R'), frame('U'), frame('nonsense'), {}],
    });
    expect([0, 1, 2, 3].map((k) => [value(anatomyAt(image, k).site), value(anatomyAt(image, k).laterality)])).toEqual([
      ['72696002', '24028007'],
      ['72696002', null],
      ['72696002', '7771000'],
      ['72696002', '7771000'],
    ]);
    // A frame past the functional groups: what the image itself says.
    expect(value(anatomyAt(image, 9).site)).toBe('816094009');
    expect(anatomyAt(null, 0)).toEqual({ site: null, laterality: null });
  });

  it('a single-frame image without functional groups keeps no per-frame list', () => {
    expect(imageAnatomy({ BodyPartExamined: 'KNEE', Laterality: 'L' }).frames).toBeUndefined();
  });
});
