// The plots the HTML report and the app's Training tab both draw (common/plots): ticks at the
// right values, data mapped to the right coordinates, the ROC band around its curve, and every
// text escaped.
import { describe, expect, it } from 'vitest';
import { confusionPlot, reliabilityPlot, rocPlot, trainingCurvesPlot, type EvaluationPlotData } from '../../common/plots/charts';
import { DARK_PLOT_THEME, plotToSvg, type Plot, type PlotNode } from '../../common/plots/scene';
import { epochTicks, niceTicks, tickLabel } from '../../common/plots/ticks';
import { renderReport } from '../../models/training/report';
import { evaluate } from '../../models/training/metrics';
import { evaluateLevels } from '../../models/training/levels';

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
const ticks = (plot: Plot, axis: 'x' | 'y') => byRole(plot, 'tick').filter((n) => n.attrs['data-axis'] === axis);
const parsePoints = (s: string | number | undefined) =>
  String(s)
    .split(' ')
    .map((p) => p.split(',').map(Number) as [number, number]);

/** Inside (or within 0.5 px of the edge of) a polygon, by ray casting. */
function inside([x, y]: [number, number], poly: [number, number][]): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    const dx = xj - xi;
    const dy = yj - yi;
    const t = Math.max(0, Math.min(1, ((x - xi) * dx + (y - yi) * dy) / (dx * dx + dy * dy || 1)));
    if (Math.hypot(xi + t * dx - x, yi + t * dy - y) < 0.5) return true;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

// A hand-made binary evaluation: a ROC curve through (0.1, 0.5) and (0.3, 0.8), and a band
// 0.1 either side of it at FPR 0, 0.1, …, 1 (the shape models/training/metrics.ts gives; at
// FPR 0 the curve rises from 0 to 0.3, so there the band spans 0 to 0.4).
const curve = [
  { fpr: 0, tpr: 0 },
  { fpr: 0, tpr: 0.3 },
  { fpr: 0.1, tpr: 0.5 },
  { fpr: 0.3, tpr: 0.8 },
  { fpr: 1, tpr: 1 },
];
const tprAt = (fpr: number) => {
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1];
    const b = curve[i];
    if (fpr <= b.fpr && b.fpr > a.fpr) return a.tpr + ((fpr - a.fpr) / (b.fpr - a.fpr)) * (b.tpr - a.tpr);
  }
  return 1;
};
const band = Array.from({ length: 11 }, (_, i) => i / 10).map((fpr) => ({ fpr, lo: fpr === 0 ? 0 : Math.max(0, tprAt(fpr) - 0.1), hi: Math.min(1, (fpr === 0 ? 0.3 : tprAt(fpr)) + 0.1) }));

function evaluation(classNames = ['normal', 'lesion'], withBand = true): EvaluationPlotData {
  return {
    classNames,
    auc: 0.84,
    aucCi: [0.7, 0.95],
    perClass: classNames.map((c) => ({ className: c, auc: 0.84, aucCi: [0.7, 0.95] as [number, number] })),
    confusion: [
      [8, 2],
      [1, 9],
    ],
    ece: 0.043,
    reliability: Array.from({ length: 10 }, (_, b) => ({ lower: b / 10, upper: (b + 1) / 10, count: b >= 5 ? b : 0, confidence: b / 10 + 0.05, accuracy: b >= 5 ? b / 10 : 0 })),
    roc: [{ className: classNames[1], points: curve, ...(withBand ? { band } : {}) }],
  };
}

describe('ticks', () => {
  it('puts nice ticks around a range and labels them without trailing zeros', () => {
    const t = niceTicks(0, 0.83, 4);
    expect(t.values).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(t.values.map((v) => tickLabel(v, t))).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(niceTicks(0, 2.3, 5).values).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0, 0.0137, 4).values).toEqual([0, 0.005, 0.01, 0.015]);
    expect(niceTicks(0, 140, 4).values).toEqual([0, 50, 100, 150]);
    // A flat or unusable range still gets an axis.
    expect(niceTicks(0, 0).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(NaN, 1).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('labels every epoch of a short run and round epochs of a long one', () => {
    expect(epochTicks(4).values).toEqual([1, 2, 3, 4]);
    expect(epochTicks(60).values).toEqual([1, 10, 20, 30, 40, 50, 60]);
    expect(epochTicks(23).values).toEqual([1, 5, 10, 15, 20]);
  });
});

describe('ROC plot', () => {
  it('has ticks 0, 0.2 … 1 on both axes at their positions', () => {
    const plot = rocPlot(evaluation());
    for (const axis of ['x', 'y'] as const) expect(ticks(plot, axis).map((n) => n.text)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    // The plotting area is 270 px square from (54, 28): 0.2 is 54 px from its origin.
    const x02 = ticks(plot, 'x').find((n) => n.text === '0.2')!;
    const y02 = ticks(plot, 'y').find((n) => n.text === '0.2')!;
    expect(x02.attrs.x).toBe(54 + 54);
    expect(y02.attrs.y).toBeCloseTo(28 + 270 - 54 + 3.5, 5);
    expect(byRole(plot, 'axis-label').map((n) => n.text)).toEqual(['False positive rate (1 − specificity)', 'True positive rate (sensitivity)']);
  });

  it('maps the curve points to the plotting area', () => {
    const [line] = byRole(rocPlot(evaluation()), 'curve');
    expect(parsePoints(line.attrs.points)).toEqual([
      [54, 298],
      [54, 217],
      [81, 163],
      [135, 82],
      [324, 28],
    ]);
  });

  it('shades the confidence band around the curve, and only when there is one', () => {
    const plot = rocPlot(evaluation());
    const [polygon] = byRole(plot, 'band');
    const poly = parsePoints(polygon.attrs.points);
    expect(poly).toHaveLength(22);
    for (const p of parsePoints(byRole(plot, 'curve')[0].attrs.points)) expect(inside(p, poly), `curve point ${p}`).toBe(true);
    // A point well below the curve is outside the band: the check can fail.
    expect(inside([54 + 0.3 * 270, 298 - 0.4 * 270], poly)).toBe(false);
    expect(all(plot).some((n) => n.tag === 'text' && n.text === 'Shaded: 95% confidence band')).toBe(true);

    const none = rocPlot(evaluation(undefined, false));
    expect(byRole(none, 'band')).toEqual([]);
    expect(all(none).some((n) => n.text === 'Shaded: 95% confidence band')).toBe(false);
  });

  it('keeps the legend below the plotting area and inside the picture', () => {
    const plot = rocPlot(evaluation(['normal', 'a class with a very long name indeed, longer than fits']));
    const legend = byRole(plot, 'legend').filter((n) => n.tag === 'text');
    // Too long for one line: the name whole, wrapped between words (tspans), then its AUC on the next line.
    const lines = (n: PlotNode) => (n.text !== undefined ? [n.text] : n.children!.map((c) => c.text!));
    expect(legend.map(lines)).toEqual([['a class with a very long name indeed, longer ', 'than fits'], ['ROC AUC 0.840 (95% CI 0.700–0.950)'], ['Shaded: 95% confidence band'], ['Chance']]);
    for (const n of legend) {
      expect(Number(n.attrs.y)).toBeGreaterThan(298 + 30);
      expect(Number(n.attrs.y) + (lines(n).length - 1) * 13).toBeLessThanOrEqual(plot.height);
      for (const l of lines(n)) expect(Number(n.attrs.x) + l.length * 11 * 0.6).toBeLessThanOrEqual(plot.width);
    }
    expect(legend[0].title).toBe('a class with a very long name indeed, longer than fits');
  });
});

describe('training curves', () => {
  const history = [
    { epoch: 1, loss: 1.0, valLoss: 1.2, valMetric: 0.5 },
    { epoch: 2, loss: 0.6, valLoss: 0.8, valMetric: 0.75 },
    { epoch: 3, loss: 0.4, valLoss: 0.7, valMetric: 1 },
  ];

  it('draws training and validation loss and validation AUC with one point per epoch', () => {
    const plot = trainingCurvesPlot(history);
    const curves = Object.fromEntries(byRole(plot, 'curve').map((n) => [n.attrs['data-series'], parsePoints(n.attrs.points)]));
    // Epochs 1..3 across x 54..464; loss 0..1.5 over y 160..30; AUC 0..1 over y 330..230.
    expect(curves['training loss']).toEqual([
      [54, 73.3],
      [259, 108],
      [464, 125.3],
    ]);
    expect(curves['validation loss']).toEqual([
      [54, 56],
      [259, 90.7],
      [464, 99.3],
    ]);
    expect(curves['validation ROC AUC']).toEqual([
      [54, 280],
      [259, 255],
      [464, 230],
    ]);
  });

  it('has epoch ticks, loss ticks from a nice step and AUC ticks 0 … 1, and labelled panels', () => {
    const plot = trainingCurvesPlot(history);
    const x = ticks(plot, 'x').map((n) => n.text);
    expect(x).toEqual(['1', '2', '3', '1', '2', '3']);
    expect(ticks(plot, 'y').map((n) => n.text)).toEqual(['0', '0.5', '1', '1.5', '0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(byRole(plot, 'title').map((n) => n.text)).toEqual(['Loss', 'Validation ROC AUC']);
    expect(byRole(plot, 'legend').filter((n) => n.tag === 'text').map((n) => n.text)).toEqual(['training', 'validation']);
    expect(byRole(plot, 'axis-label').map((n) => n.text)).toEqual(['Loss', 'Epoch', 'ROC AUC']);
    // The legend row is above the loss panel, never on a curve.
    for (const n of byRole(plot, 'legend').filter((n) => n.tag === 'text')) expect(Number(n.attrs.y)).toBeLessThan(30);
  });

  it('leaves out values that are not numbers rather than drawing them at zero', () => {
    const plot = trainingCurvesPlot([{ epoch: 1, loss: 0.9, valLoss: NaN, valMetric: NaN }, { epoch: 2, loss: 0.5, valMetric: 0.6 }]);
    const curves = Object.fromEntries(byRole(plot, 'curve').map((n) => [n.attrs['data-series'], parsePoints(n.attrs.points)]));
    expect(curves['training loss']).toHaveLength(2);
    expect(curves['validation loss']).toBeUndefined();
    expect(curves['validation ROC AUC']).toHaveLength(1);
  });
});

describe('reliability diagram and confusion matrix', () => {
  it('draws a bar per filled bin with its count, the diagonal and the ECE', () => {
    const plot = reliabilityPlot(evaluation());
    const bars = byRole(plot, 'bar');
    expect(bars.map((b) => b.attrs['data-value'])).toEqual([5, 6, 7, 8, 9]);
    expect(byRole(plot, 'count').map((n) => n.text)).toEqual(['5', '6', '7', '8', '9']);
    // Bin 0.5–0.6 with accuracy 0.5: from x 54+135+1, top at y 298-135.
    expect(bars[0].attrs).toMatchObject({ x: 190, y: 163, width: 25, height: 135 });
    expect(byRole(plot, 'diagonal')).toHaveLength(1);
    expect(byRole(plot, 'title')[0].text).toBe('Reliability · ECE 0.043');
    expect(ticks(plot, 'x').map((n) => n.text)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
  });

  it('shows counts and row percentages', () => {
    const plot = confusionPlot(evaluation(), DARK_PLOT_THEME);
    const cells = byRole(plot, 'cell').map((c) => c.children!.map((n) => n.text).filter(Boolean));
    expect(cells).toEqual([
      ['8', '80%'],
      ['2', '20%'],
      ['1', '10%'],
      ['9', '90%'],
    ]);
    expect(byRole(plot, 'row-label').map((n) => n.text)).toEqual(['normal', 'lesion']);
    expect(byRole(plot, 'column-label').map((n) => n.text)).toEqual(['normal', 'lesion']);
  });
});

describe('escaping', () => {
  const hostile = '<img src=x onerror="alert(1)">';
  const tags = (svg: string) => new Set([...svg.matchAll(/<\/?([A-Za-z][\w-]*)/g)].map((m) => m[1]));

  it('escapes a class name in every plot, so the markup holds only drawing elements', () => {
    const e = evaluation(['normal', hostile]);
    for (const plot of [rocPlot(e), reliabilityPlot(e), confusionPlot(e)]) {
      const svg = plotToSvg(plot);
      expect(svg).not.toContain('<img');
      expect([...tags(svg)].every((t) => ['svg', 'desc', 'g', 'line', 'polyline', 'polygon', 'rect', 'circle', 'text', 'tspan', 'title'].includes(t)), [...tags(svg)].join()).toBe(true);
    }
    expect(plotToSvg(confusionPlot(e))).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('escapes it in the HTML report too, whose plots are the same drawings', () => {
    // A real evaluation (models/training/metrics.ts) of 40 scored images.
    const labels = Array.from({ length: 40 }, (_, i) => i % 2);
    const scores = labels.map((l, i) => {
      const p = Math.min(0.95, Math.max(0.05, 0.5 + (l ? 0.25 : -0.25) + ((i * 37) % 11) / 25 - 0.2));
      return [1 - p, p];
    });
    const e = evaluate(scores, labels, ['normal', hostile], { seed: 3, bootstrap: 50 });
    const html = renderReport({ title: 'r', classNames: e.classNames, test: e, validation: e, history: [{ epoch: 1, loss: 1, valLoss: 1, valMetric: 0.5, learningRate: 0.001, seconds: 1 }], modelCard: hostile, contentHash: 'h' });
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(plotToSvg(rocPlot(e)));
    // metrics.ts gives each curve its band: the report shades it.
    expect(html).toContain('data-role="band"');
    expect(html).toContain(plotToSvg(trainingCurvesPlot([{ epoch: 1, loss: 1, valLoss: 1, valMetric: 0.5 }])));
  });

  it('the report names the interval method and shows the image, series and patient levels of a test split', () => {
    // 6 patients, 2 series each, 3 images per series; patients 0-2 negative, 3-5 positive.
    const rows = Array.from({ length: 36 }, (_, i) => {
      const patient = Math.floor(i / 6);
      const label = patient >= 3 ? 1 : 0;
      const p = Math.min(0.99, Math.max(0.01, 0.25 + 0.5 * label + ((i * 37) % 11) / 40 - 0.12));
      return { scores: [1 - p, p], label, series: `s${Math.floor(i / 3)}`, patient: `p${patient}` };
    });
    const t = evaluateLevels(rows, ['normal', 'finding'], { seed: 1, bootstrap: 200 });
    const html = renderReport({ title: 'r', classNames: t.classNames, test: t, validation: t, history: [], modelCard: '', contentHash: 'h' });
    expect(html).toContain(`Intervals: ${t.ciMethod}.`);
    expect(t.ciMethod).toMatch(/over patients/);
    const table = html.slice(html.indexOf('By image, series and patient'));
    expect(table).toMatch(new RegExp(`<td>image</td><td>36</td><td>${t.perImage.auc.toFixed(3)}`));
    expect(table).toMatch(new RegExp(`<td>series</td><td>12</td><td>${t.perSeries.auc.toFixed(3)}`));
    expect(table).toMatch(new RegExp(`<td>patient</td><td>6</td><td>${t.perPatient.auc.toFixed(3)}`));
    expect(table).toContain('mean of image probabilities');
    // The image row's "Scores from" says where its scores come from, in words like the other rows'.
    expect(table).toMatch(/<td>image<\/td>(<td>[^<]*<\/td>){4}<td>each image&#39;s own score<\/td>/);
    expect(table).not.toContain('<td>none');
    // A plain evaluation (no levels) gets no such table.
    expect(renderReport({ title: 'r', classNames: t.classNames, test: evaluate(rows.map((r) => [...r.scores]), rows.map((r) => r.label), t.classNames), validation: t, history: [], modelCard: '', contentHash: 'h' })).not.toContain('By image, series and patient');
  });
});
