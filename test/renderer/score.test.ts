// How the Results list shows an imported finding's score (renderer/src/workspace/score.ts): a
// probability as a percentage, from a fraction or, in UCUM "%", from 0 to 100 as it is; any
// other value as its number with its units.
import { describe, expect, it } from 'vitest';
import { formatScore } from '../../renderer/src/workspace/score';

describe('formatScore', () => {
  it('shows a probability as a percentage, in "%" without scaling it again', () => {
    expect(formatScore(0.73, '1', true)).toBe('73.0%');
    expect(formatScore(0.4, '{probability}', true)).toBe('40.0%');
    expect(formatScore(0.25, '{ratio}', true)).toBe('25.0%');
    expect(formatScore(64, '%', true)).toBe('64.0%');
    expect(formatScore(0.5, '%', true)).toBe('0.5%');
  });

  it('shows any other value as its number, with its units', () => {
    expect(formatScore(64, '%', false)).toBe('64\u00a0%');
    expect(formatScore(0.52, '1', false)).toBe('0.52');
    expect(formatScore(3.456789, 'mm', false)).toBe('3.457\u00a0mm');
    expect(formatScore(0.25, '{ratio}', false)).toBe('0.25\u00a0{ratio}');
    expect(formatScore(null, '1', true)).toBe('');
  });
});
