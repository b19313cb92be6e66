// How the study's Results list shows an imported finding's score (StudyResults.tsx).

/**
 * A score as people read it: a probability (its concept is one, as the reader says:
 * electron/library/results.ts scoreIsProbability) as a percentage, from 0 to 1 or, in UCUM
 * "%", from 0 to 100; any other value as its number, with its units where it has some ("no
 * units", UCUM "1": a count, a ratio, a pixel value), joined by a no-break space so that a
 * narrow column never puts the unit on a line of its own.
 */
export function formatScore(score: number | null, unit: string | null, probability: boolean): string {
  if (score === null) return '';
  if (probability) return `${(unit === '%' ? score : score * 100).toFixed(1)}%`;
  // UCUM codes as the viewer writes the values: pixels where an image has no pixel spacing (results/sr.ts).
  const units: Record<string, string> = { mm: 'mm', mm2: 'mm²', cm: 'cm', cm2: 'cm²', deg: '°', '[hnsf\'U]': 'HU', '{pixel}': 'px', '{pixel2}': 'px²', '{pixels}': 'px', Gy: 'Gy', '%': '%' };
  const name = unit && unit !== '1' ? (units[unit] ?? unit) : '';
  return `${Number(score.toPrecision(4))}${name ? `\u00a0${name}` : ''}`;
}
