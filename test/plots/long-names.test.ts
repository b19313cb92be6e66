// Long class names in the plots (common/plots/charts.ts): the confusion matrix and the ROC legend
// show every class name whole, wrapped into lines after "_", "-", "." or "/" (never cut with an
// ellipsis), each line within the room it has; where the matrix's columns are too narrow for the
// names, they are numbered and the rows give each number's name; and each plot's description
// (its SVG <desc>, the accessible description) names the classes whole.
import { describe, expect, it } from 'vitest';
import { confusionPlot, rocPlot, wrapName, type EvaluationPlotData } from '../../common/plots/charts';
import { DARK_PLOT_THEME, plotToSvg, type Plot, type PlotNode } from '../../common/plots/scene';

const NAMES = ['no_acute_finding_reported', 'nodule_round_solitary', 'pneumothorax_tension_suspected'];
const PANEL = 280;

function all(plot: Plot): PlotNode[] {
  const out: PlotNode[] = [];
  const walk = (n: PlotNode) => {
    out.push(n);
    n.children?.forEach(walk);
  };
  plot.nodes.forEach(walk);
  return out;
}
const byRole = (plot: Plot, role: string) => all(plot).filter((n) => n.attrs['data-role'] === role);
/** A text element's lines: its own text, or its tspans' in order. */
const lines = (n: PlotNode) => (n.text !== undefined ? [n.text] : (n.children ?? []).filter((c) => c.tag === 'tspan').map((c) => c.text ?? ''));
/** Where a line ends between two letters or digits (a word cut in two). */
const midWord = (ls: string[]) => ls.slice(1).filter((l, i) => /[\p{L}\p{N}]$/u.test(ls[i]) && /^[\p{L}\p{N}]/u.test(l));
const width = (s: string, size: number) => s.length * size * 0.6;

function evaluation(classNames: string[]): EvaluationPlotData {
  const K = classNames.length;
  return {
    classNames,
    auc: 0.7,
    aucCi: [0.5, 0.9],
    perClass: classNames.map((c) => ({ className: c, auc: 0.75, aucCi: [0.5, 1] as [number, number] })),
    confusion: classNames.map((_, t) => classNames.map((__, p) => (t === p ? 4 : 1))),
    ece: 0.1,
    reliability: [],
    roc: (K === 2 ? [classNames[1]] : classNames).map((c) => ({ className: c, points: [{ fpr: 0, tpr: 0 }, { fpr: 0.2, tpr: 0.7 }, { fpr: 1, tpr: 1 }] })),
  };
}

describe('wrapName', () => {
  it('breaks after _ - . / into lines of at most the width, and only mid-word for a part longer than a line', () => {
    expect(wrapName('pneumothorax_tension_suspected', 14)).toEqual(['pneumothorax_', 'tension_', 'suspected']);
    expect(wrapName('no_acute_finding_reported', 14)).toEqual(['no_acute_', 'finding_', 'reported']);
    expect(wrapName('a-b.c/d', 20)).toEqual(['a-b.c/d']);
    expect(wrapName('supercalifragilistic_x', 8)).toEqual(['supercal', 'ifragili', 'stic_x']);
    for (const n of [...NAMES, 'x', '', 'a__b--c']) for (const w of [1, 3, 9, 30]) expect(wrapName(n, w).join('')).toBe(n);
  });
});

describe('long class names in the plots', () => {
  for (const [what, opts] of [['in the panel', { maxWidth: PANEL }], ['in the report', {}]] as const) {
    it(`the confusion matrix ${what} shows each name whole, in lines broken between parts`, () => {
      const plot = confusionPlot(evaluation(NAMES), DARK_PLOT_THEME, opts);
      const svg = plotToSvg(plot);
      expect(svg).not.toContain('…');
      const rows = byRole(plot, 'row-label');
      expect(rows.map((n) => lines(n).join(''))).toEqual(NAMES);
      const left = Math.min(...byRole(plot, 'cell').map((c) => Number(c.children![0].attrs.x)));
      for (const r of rows) {
        expect(midWord(lines(r)), JSON.stringify(lines(r))).toEqual([]);
        // Right-aligned before the first column, each line within the room left of it.
        for (const l of lines(r)) expect(Number(r.attrs.x) - width(l, 11)).toBeGreaterThanOrEqual(20);
        expect(Number(r.attrs.x)).toBeLessThan(left);
      }
      const cols = byRole(plot, 'column-label');
      const cell = Number(byRole(plot, 'cell')[0].children![0].attrs.width);
      const keyed = cols.every((c, i) => lines(c).join('') === String(i + 1));
      if (!keyed) expect(cols.map((n) => lines(n).join(''))).toEqual(NAMES);
      else expect(byRole(plot, 'row-key').map((n) => n.text)).toEqual(['1', '2', '3']);
      for (const c of cols) for (const l of lines(c)) expect(width(l, 10), `"${l}" fits its column`).toBeLessThanOrEqual(cell - 4);
      if (what === 'in the report') expect(keyed, 'the report has room for the names').toBe(false);
      // No line of a row name lies outside its row.
      const cells = byRole(plot, 'cell');
      rows.forEach((r, t) => {
        const rect = cells[t * NAMES.length].children![0].attrs;
        const n = lines(r).length;
        const y0 = Number(r.attrs.y) - 9;
        expect(y0).toBeGreaterThanOrEqual(Number(rect.y));
        expect(y0 + n * 13).toBeLessThanOrEqual(Number(rect.y) + Number(rect.height) + 1);
      });
      expect(plot.width).toBeLessThanOrEqual(what === 'in the panel' ? PANEL : 560);
      NAMES.forEach((name, t) => expect(plot.description).toContain(`True ${name}: ${NAMES.map((p, j) => `${t === j ? 4 : 1} predicted ${p}`).join(', ')}`));
    });
  }

  it('numbers no column when the names fit, and keeps short names on one line', () => {
    const plot = confusionPlot(evaluation(['normal', 'lesion']), DARK_PLOT_THEME, { maxWidth: PANEL });
    expect(byRole(plot, 'row-label').map((n) => n.text)).toEqual(['normal', 'lesion']);
    expect(byRole(plot, 'column-label').map((n) => n.text)).toEqual(['normal', 'lesion']);
    expect(byRole(plot, 'row-key')).toEqual([]);
  });

  it('the ROC legend gives each class whole with its AUC, within the picture', () => {
    const plot = rocPlot(evaluation([...NAMES, 'a_class_with_a_very_long_name_indeed_longer_than_the_legend_line']), DARK_PLOT_THEME, { size: 200 });
    expect(plotToSvg(plot)).not.toContain('…');
    const legend = byRole(plot, 'legend').filter((n) => n.tag === 'text');
    const named = legend.filter((n) => n.title !== undefined);
    expect(named.map((n) => lines(n).join('').replace(/: ROC AUC.*$/, ''))).toEqual([...NAMES, 'a_class_with_a_very_long_name_indeed_longer_than_the_legend_line']);
    for (const n of legend) for (const l of lines(n)) expect(Number(n.attrs.x) + width(l, Number(n.attrs['font-size'] ?? 11))).toBeLessThanOrEqual(plot.width);
    for (const n of named) expect(midWord(lines(n))).toEqual([]);
    // The legend's lines do not overlap: each text starts below the one before it ends.
    let bottom = 0;
    for (const n of legend) {
      const top = Number(n.attrs.y) - 10;
      expect(top).toBeGreaterThanOrEqual(bottom - 0.5);
      bottom = Number(n.attrs.y) + 3 + (lines(n).length - 1) * 13;
    }
    expect(bottom).toBeLessThanOrEqual(plot.height);
    for (const name of NAMES) expect(plot.description).toContain(`${name}: ROC AUC 0.750`);
  });

  it('the binary ROC names its positive class in the description', () => {
    const plot = rocPlot(evaluation(['no_finding_at_all', 'pneumothorax_tension_suspected']));
    expect(plot.description).toContain('pneumothorax_tension_suspected: ROC AUC 0.700');
    expect(plot.label).toBe('ROC curve');
  });
});
