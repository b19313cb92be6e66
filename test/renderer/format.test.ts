// How the workspace writes dates, lengths, values and headers (renderer/src/workspace/format.ts).
import { describe, expect, it } from 'vitest';
import { countOf, formatDate, formatDateTime, formatMm, formatValue, joinParts, personName, seriesLabel } from '../../renderer/src/workspace/format';

describe('format', () => {
  it('writes person names with their ideographic group after the alphabetic one, or alone', () => {
    expect(personName('Phantom^Test')).toBe('Phantom, Test');
    expect(personName('Yamada^Tarou=山田^太郎=やまだ^たろう')).toBe('Yamada, Tarou (山田 太郎)');
    expect(personName('Hong^Gildong=洪^吉洞=홍^길동')).toBe('Hong, Gildong (洪 吉洞)');
    expect(personName('=山田^太郎')).toBe('山田 太郎');
    expect(personName('==やまだ^たろう')).toBe('やまだ たろう');
    expect(personName('Wang^XiaoDong=')).toBe('Wang, XiaoDong');
    expect(personName('Διονυσιος')).toBe('Διονυσιος');
    expect(personName('')).toBe('(no name)');
  });

  it('writes a date and a date-time the same way', () => {
    expect(formatDate('20260101')).toBe('01-Jan-2026');
    const local = new Date(2026, 11, 5, 9, 7);
    expect(formatDateTime(local.toISOString())).toBe('05-Dec-2026 09:07');
    expect(formatDateTime('not a date')).toBe('not a date');
  });

  it('leaves out missing parts instead of dangling separators', () => {
    expect(joinParts('MR1', null, '')).toBe('MR1');
    expect(joinParts('MR', false, ' ', 'Se 2')).toBe('MR · Se 2');
    expect(joinParts(undefined)).toBe('');
  });

  it('rounds pixel spacing for display', () => {
    expect(formatMm(0.48828125)).toBe('0.488');
    expect(formatMm(2.5)).toBe('2.5');
    expect(formatMm(0.7)).toBe('0.7');
    expect(formatMm(1)).toBe('1');
  });

  it('writes values with their unit, scaled ones without float noise', () => {
    expect(formatValue(-1000, 'HU')).toBe('-1000 HU');
    expect(formatValue(Math.fround(20_000 * 0.001), 'Gy')).toBe('20 Gy');
    expect(formatValue(Math.fround(1234 * 0.001), 'Gy')).toBe('1.23 Gy');
    expect(formatValue(0.5, null)).toBe('0.5');
  });

  it('counts', () => {
    expect(countOf(1, 'image')).toBe('1 image');
    expect(countOf(3, 'image')).toBe('3 images');
  });

  it('names a series card by what it shows, in that order, without gaps where a field is empty', () => {
    expect(seriesLabel({ seriesNumber: 2, seriesDescription: 'coronal', modality: 'CT', frames: 3 })).toBe('CT S2, 3 images, coronal, open series');
    expect(seriesLabel({ seriesNumber: null, seriesDescription: 'PHOTO', modality: 'XC', frames: 1 })).toBe('XC, 1 image, PHOTO, open series');
    expect(seriesLabel({ seriesNumber: 0, seriesDescription: null, modality: null, frames: 5 })).toBe('S0, 5 images, open series');
    expect(seriesLabel({ seriesNumber: null, seriesDescription: '  ', modality: '', frames: 1 })).toBe('1 image, open series');
    // The card's warnings, as it shows them: images missing, a localizer, the series' own patient.
    expect(seriesLabel({ seriesNumber: 4, seriesDescription: 'scout', modality: 'CT', frames: 2, missing: 1, localizer: true, patientName: 'Other^Olga', patientId: 'P-9' })).toBe(
      'CT S4, 2 images, 1 missing, localizer, scout, Other, Olga, ID P-9, open series',
    );
  });
});

