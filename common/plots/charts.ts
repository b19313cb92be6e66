/**
 * The evaluation and training plots, as scenes (scene.ts): ROC curves with their confidence
 * bands, the reliability diagram, the confusion matrix and the training curves. The HTML report
 * (models/training/report.ts) and the app's Training tab (renderer/src/training/Plots.tsx) both
 * draw these, so what a user sees in one is what the other shows.
 *
 * Layout rules: legends and titles sit outside the plotting area, so they never cover a curve;
 * text is measured by an estimate of its width (0.6 em per character) and long names are wrapped
 * into lines after "_", "-", "." or "/" (wrapName), never cut; each plot's description names the
 * classes whole for assistive technology; axes and text use the surrounding text
 * colour (currentColor), so a plot reads on a white report and on the app's dark panel alike.
 */
import { aucText, METRIC_NAMES } from '../metric-words';
import { LIGHT_PLOT_THEME, type Plot, type PlotNode, type PlotTheme } from './scene';
import { epochTicks, niceTicks, tickLabel, UNIT_TICKS, type Ticks } from './ticks';

/** A value that may be missing: a metric that could not be computed is NaN, or null once it went through JSON. */
type Num = number | null;

/** What the evaluation plots read: the shape of models/training/metrics.ts's Evaluation. */
export interface EvaluationPlotData {
  classNames: string[];
  /** Binary: the positive class's AUC; multi-class: the macro mean. */
  auc: Num;
  aucCi?: [Num, Num];
  perClass: { className: string; auc: Num; aucCi?: [Num, Num] }[];
  confusion: number[][];
  ece: Num;
  reliability: { lower: number; upper: number; count: number; confidence: Num; accuracy: Num }[];
  /** One curve for binary, one per class (one-vs-rest) otherwise; `band`: the TPR's 95% interval at fixed FPRs. */
  roc: { className: string; points: { fpr: Num; tpr: Num }[]; band?: { fpr: Num; lo: Num; hi: Num }[] }[];
}

/** One epoch of a training run (models/training/fit.ts's EpochRecord has these and more). */
export interface EpochValues {
  epoch: number;
  loss: Num;
  valLoss?: Num;
  /** The validation AUC early stopping watches. */
  valMetric: Num;
}

const FONT = 11;
/** Pixels between the baselines of a wrapped name's lines. */
const LINE = 13;
const CHAR = 0.6;
const textWidth = (s: string, size = FONT) => s.length * size * CHAR;
const px = (v: number) => Math.round(v * 10) / 10;
const isNum = (x: Num | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const f3 = (x: Num | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** A name's parts, each with the "_", "-", ".", "/" or space that ends it. */
const NAME_PARTS = /[^_\-./\s]*[_\-./\s]|[^_\-./\s]+$/g;

/**
 * A name in lines of at most `max` characters, broken after "_", "-", ".", "/" or a space (a part longer
 * than a line is broken inside it, the last resort). The lines joined are the name.
 */
export function wrapName(s: string, max: number): string[] {
  const width = Math.max(1, Math.floor(max));
  const parts = s.match(NAME_PARTS) ?? [s];
  const lines: string[] = [];
  let line = '';
  for (let part of parts) {
    if (line && line.length + part.length > width) {
      lines.push(line);
      line = '';
    }
    while (line.length + part.length > width) {
      lines.push(part.slice(0, width - line.length));
      part = part.slice(width - line.length);
    }
    line += part;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** A text of several lines (tspans, `step` pixels apart), its first line's baseline at (x, y); one line stays a plain text. */
const lines = (x: number, y: number, ls: string[], extra: PlotNode['attrs'] = {}, title?: string, step = LINE): PlotNode =>
  ls.length === 1
    ? text(x, y, ls[0], extra, title)
    : { ...text(x, y, '', extra, title), text: undefined, children: ls.map((l, i) => ({ tag: 'tspan' as const, attrs: { x: px(x), ...(i > 0 ? { dy: step } : {}) }, text: l })) };

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

type Scale = (v: number) => number;
const scale = (d0: number, d1: number, r0: number, r1: number): Scale => (v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0);

const text = (x: number, y: number, s: string, extra: PlotNode['attrs'] = {}, title?: string): PlotNode => ({
  tag: 'text',
  attrs: { x: px(x), y: px(y), 'font-size': FONT, fill: 'currentColor', ...extra },
  text: s,
  ...(title !== undefined ? { title } : {}),
});

const title = (x: number, y: number, s: string): PlotNode => text(x, y, s, { 'font-size': 12, 'font-weight': 600, 'data-role': 'title' });

/** Grid, axis lines, tick marks and labels, and the two axis titles of one plotting area. */
function axes(f: Frame, sx: Scale, sy: Scale, xt: Ticks, yt: Ticks, xLabel: string | null, yLabel: string): PlotNode[] {
  const bottom = f.top + f.height;
  const right = f.left + f.width;
  const out: PlotNode[] = [];
  for (const v of xt.values) {
    const x = px(sx(v));
    out.push({ tag: 'line', attrs: { x1: x, y1: f.top, x2: x, y2: bottom, stroke: 'currentColor', 'stroke-opacity': 0.12 } });
    out.push({ tag: 'line', attrs: { x1: x, y1: bottom, x2: x, y2: bottom + 4, stroke: 'currentColor', 'stroke-opacity': 0.6 } });
    out.push(text(x, bottom + 15, tickLabel(v, xt), { 'font-size': 10, 'text-anchor': 'middle', 'data-role': 'tick', 'data-axis': 'x', 'data-value': v }));
  }
  for (const v of yt.values) {
    const y = px(sy(v));
    out.push({ tag: 'line', attrs: { x1: f.left, y1: y, x2: right, y2: y, stroke: 'currentColor', 'stroke-opacity': 0.12 } });
    out.push({ tag: 'line', attrs: { x1: f.left - 4, y1: y, x2: f.left, y2: y, stroke: 'currentColor', 'stroke-opacity': 0.6 } });
    out.push(text(f.left - 7, y + 3.5, tickLabel(v, yt), { 'font-size': 10, 'text-anchor': 'end', 'data-role': 'tick', 'data-axis': 'y', 'data-value': v }));
  }
  out.push({ tag: 'line', attrs: { x1: f.left, y1: bottom, x2: right, y2: bottom, stroke: 'currentColor', 'stroke-opacity': 0.6 } });
  out.push({ tag: 'line', attrs: { x1: f.left, y1: f.top, x2: f.left, y2: bottom, stroke: 'currentColor', 'stroke-opacity': 0.6 } });
  if (xLabel) out.push(text(f.left + f.width / 2, bottom + 31, xLabel, { 'text-anchor': 'middle', 'data-role': 'axis-label' }));
  const yl = f.top + f.height / 2;
  const yx = f.left - 38;
  out.push(text(yx, yl, yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 ${px(yx)} ${px(yl)})`, 'data-role': 'axis-label' }));
  return out;
}

type Swatch = { kind: 'line' | 'dashed' | 'area' | 'bar'; color: string } | null;
interface LegendEntry {
  swatch: Swatch;
  label: string;
  /** The label wrapped into lines (a long class name), when it is. */
  lines?: string[];
  /** A second, smaller line under the label. */
  detail?: string;
  title?: string;
}

const SWATCH = 22;

function swatchNode(s: NonNullable<Swatch>, x: number, y: number): PlotNode {
  if (s.kind === 'area' || s.kind === 'bar') return { tag: 'rect', attrs: { x, y: y - 8, width: SWATCH - 4, height: 10, fill: s.color, 'fill-opacity': s.kind === 'area' ? 0.25 : 0.75 } };
  return { tag: 'line', attrs: { x1: x, y1: y - 3.5, x2: x + SWATCH - 4, y2: y - 3.5, stroke: s.color, 'stroke-width': 2, ...(s.kind === 'dashed' ? { 'stroke-dasharray': '4 3' } : {}) } };
}

/** One legend entry a line, from (x, y) down; returns the nodes and the height used. */
function legendColumn(entries: LegendEntry[], x: number, y: number): { nodes: PlotNode[]; height: number } {
  let at = y;
  const nodes = entries.flatMap((e) => {
    const ly = at + 11;
    const tx = x + (e.swatch ? SWATCH : 0);
    const parts: PlotNode[] = e.swatch ? [swatchNode(e.swatch, x, ly)] : [];
    const ls = e.lines ?? [e.label];
    parts.push(lines(tx, ly, ls, { 'data-role': 'legend' }, e.title));
    const below = ly + (ls.length - 1) * LINE;
    if (e.detail) parts.push(text(tx, below + 13, e.detail, { 'font-size': 10, 'data-role': 'legend' }));
    at += (e.detail ? 29 : 16) + (ls.length - 1) * LINE;
    return parts;
  });
  return { nodes: [{ tag: 'g', attrs: { 'data-role': 'legend' }, children: nodes }], height: at - y + 4 };
}

/** Legend entries side by side on one line from (x, y); returns the nodes and the width used. */
function legendRow(entries: LegendEntry[], x: number, y: number): { nodes: PlotNode[]; width: number } {
  let at = x;
  const nodes: PlotNode[] = [];
  for (const e of entries) {
    if (e.swatch) {
      nodes.push(swatchNode(e.swatch, at, y));
      at += SWATCH;
    }
    nodes.push(text(at, y, e.label, { 'data-role': 'legend' }, e.title));
    at += textWidth(e.label) + 14;
  }
  return { nodes: [{ tag: 'g', attrs: { 'data-role': 'legend' }, children: nodes }], width: at - x };
}

const points = (xs: readonly Num[], ys: readonly (Num | undefined)[], sx: Scale, sy: Scale) =>
  xs
    .map((x, i) => [x, ys[i]] as const)
    .filter((p): p is readonly [number, number] => isNum(p[0]) && isNum(p[1]))
    .map(([x, y]) => `${px(sx(x))},${px(sy(y))}`)
    .join(' ');

/** A square plotting area for rates and probabilities; `size` is its side in pixels. */
const unitFrame = (size = 270): Frame => ({ left: 54, top: 28, width: size, height: size });

/** ROC curves (one per class, one for binary) over their shaded 95% bands, with the chance line. */
export function rocPlot(e: EvaluationPlotData, theme: PlotTheme = LIGHT_PLOT_THEME, opts: { size?: number } = {}): Plot {
  const f = unitFrame(opts.size);
  const sx = scale(0, 1, f.left, f.left + f.width);
  const sy = scale(0, 1, f.top + f.height, f.top);
  const color = (i: number) => theme.series[i % theme.series.length];
  const binary = e.roc.length === 1;
  const nodes: PlotNode[] = [title(8, 16, binary ? 'ROC curve' : 'ROC curves, one class against the rest'), ...axes(f, sx, sy, UNIT_TICKS, UNIT_TICKS, 'False positive rate (1 − specificity)', 'True positive rate (sensitivity)')];
  nodes.push({ tag: 'line', attrs: { x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1), stroke: 'currentColor', 'stroke-opacity': 0.45, 'stroke-dasharray': '4 3', 'data-role': 'chance' } });
  e.roc.forEach((r, i) => {
    if (!r.band?.length) return;
    const band = r.band
      .filter((b): b is { fpr: number; lo: number; hi: number } => isNum(b.fpr) && isNum(b.lo) && isNum(b.hi))
      .sort((a, b) => a.fpr - b.fpr);
    const upper = band.map((b) => `${px(sx(clamp01(b.fpr)))},${px(sy(clamp01(b.hi)))}`);
    const lower = band.map((b) => `${px(sx(clamp01(b.fpr)))},${px(sy(clamp01(b.lo)))}`).reverse();
    // Several bands overlap: each lighter, so the curves stay readable through them.
    nodes.push({ tag: 'polygon', attrs: { points: [...upper, ...lower].join(' '), fill: color(i), 'fill-opacity': binary ? 0.22 : 0.12, stroke: 'none', 'data-role': 'band', 'data-series': r.className }, title: `${r.className}: 95% confidence band of the true positive rate` });
  });
  e.roc.forEach((r, i) => {
    nodes.push({ tag: 'polyline', attrs: { points: points(r.points.map((p) => p.fpr), r.points.map((p) => p.tpr), sx, sy), fill: 'none', stroke: color(i), 'stroke-width': 2, 'data-role': 'curve', 'data-series': r.className }, title: r.className });
  });
  // One line per curve where it fits the picture's width, else the name (wrapped between its parts) and the AUC on the next line.
  const room = f.left + f.width + 16 - 8 - SWATCH - 8;
  const aucs = e.roc.map((r, i) => {
    const c = binary ? { auc: e.auc, ci: e.aucCi } : { auc: e.perClass[i]?.auc, ci: e.perClass[i]?.aucCi };
    return aucText(c.auc, c.ci);
  });
  const entries: LegendEntry[] = e.roc.map((r, i) => {
    const one = `${r.className}: ${aucs[i]}`;
    const swatch = { kind: 'line' as const, color: color(i) };
    if (textWidth(one) <= room) return { swatch, label: one, title: r.className };
    const ls = wrapName(r.className, room / (FONT * CHAR));
    return { swatch, label: r.className, ...(ls.length > 1 ? { lines: ls } : {}), detail: aucs[i], title: r.className };
  });
  if (e.roc.some((r) => r.band?.length)) entries.push({ swatch: { kind: 'area', color: color(0) }, label: 'Shaded: 95% confidence band' });
  entries.push({ swatch: { kind: 'dashed', color: 'currentColor' }, label: 'Chance' });
  const legend = legendColumn(entries, 8, f.top + f.height + 38);
  nodes.push(...legend.nodes);
  const width = Math.ceil(Math.max(f.left + f.width + 16, 8 + SWATCH + Math.max(...entries.map((x) => Math.max(...(x.lines ?? [x.label]).map((l) => textWidth(l))))) + 8));
  const description = `${binary ? 'ROC curve' : 'ROC curves, one class against the rest'}: ${e.roc.map((r, i) => `${r.className}: ${aucs[i]}`).join('; ')}.`;
  return { width, height: Math.ceil(f.top + f.height + 38 + legend.height), label: binary ? 'ROC curve' : 'ROC curves', description, nodes };
}

/** Reliability diagram: accuracy per confidence bin as bars (images in each bin above it), the diagonal, ECE. */
export function reliabilityPlot(e: EvaluationPlotData, theme: PlotTheme = LIGHT_PLOT_THEME, opts: { size?: number } = {}): Plot {
  const f = unitFrame(opts.size);
  const sx = scale(0, 1, f.left, f.left + f.width);
  const sy = scale(0, 1, f.top + f.height, f.top);
  const nodes: PlotNode[] = [title(8, 16, `Reliability · ECE ${f3(e.ece)}`), ...axes(f, sx, sy, UNIT_TICKS, UNIT_TICKS, 'Confidence of the predicted class', 'Accuracy')];
  for (const b of e.reliability) {
    if (!(b.count > 0)) continue;
    const acc = clamp01(isNum(b.accuracy) ? b.accuracy : 0);
    const x0 = sx(clamp01(b.lower)) + 1;
    const w = Math.max(1, sx(clamp01(b.upper)) - sx(clamp01(b.lower)) - 2);
    nodes.push({ tag: 'rect', attrs: { x: px(x0), y: px(sy(acc)), width: px(w), height: px(sy(0) - sy(acc)), fill: theme.series[0], 'fill-opacity': 0.75, 'data-role': 'bar', 'data-value': b.count }, title: `${b.count} images with confidence ${f3(b.lower)}–${f3(b.upper)}: mean confidence ${f3(b.confidence)}, accuracy ${f3(b.accuracy)}` });
    // Above the bar, or inside its top when the bar reaches the top of the plotting area.
    const inside = acc > 0.92;
    nodes.push(text(x0 + w / 2, inside ? sy(acc) + 11 : sy(acc) - 3, String(b.count), { 'font-size': 9, 'text-anchor': 'middle', 'data-role': 'count', ...(inside ? { fill: theme.onStrong } : {}) }));
  }
  nodes.push({ tag: 'line', attrs: { x1: sx(0), y1: sy(0), x2: sx(1), y2: sy(1), stroke: 'currentColor', 'stroke-opacity': 0.45, 'stroke-dasharray': '4 3', 'data-role': 'diagonal' } });
  const entries: LegendEntry[] = [
    { swatch: { kind: 'bar', color: theme.series[0] }, label: 'Accuracy per bin (n images on bar)' },
    { swatch: { kind: 'dashed', color: 'currentColor' }, label: 'Perfect calibration' },
    { swatch: null, label: `Expected calibration error (ECE) ${f3(e.ece)}` },
  ];
  const legend = legendColumn(entries, 8, f.top + f.height + 38);
  nodes.push(...legend.nodes);
  const width = Math.ceil(Math.max(f.left + f.width + 16, 8 + SWATCH + Math.max(...entries.map((x) => textWidth(x.label))) + 8));
  return { width, height: Math.ceil(f.top + f.height + 38 + legend.height), label: 'Reliability diagram', nodes };
}

/**
 * Confusion matrix: counts and the share of each true class (row) per cell, shaded by that share.
 * Class names are whole, wrapped between their parts: the rows' to the left of the cells (a row
 * grows taller for a name of many lines), the columns' above them; where a column is too narrow
 * for its name's parts, the columns are numbered and each row gives its number beside its name.
 */
export function confusionPlot(e: EvaluationPlotData, theme: PlotTheme = LIGHT_PLOT_THEME, opts: { maxWidth?: number } = {}): Plot {
  const K = Math.max(1, e.classNames.length);
  const names = Array.from({ length: K }, (_, i) => e.classNames[i] ?? '');
  const longest = Math.max(4, ...names.map((c) => c.length));
  const longestPart = Math.max(1, ...names.flatMap((c) => c.match(NAME_PARTS) ?? []).map((p) => p.length));
  // Within maxWidth (a narrow panel): narrower row names first (wrapped), then smaller cells (not under 44 px).
  // A row's lines are as wide as its name's longest part (up to 16 characters), so a part is broken only when longer.
  const rowChars = opts.maxWidth ? Math.max(6, Math.min(longestPart, 16), Math.min(20, Math.floor((opts.maxWidth * 0.4 - 36) / (FONT * CHAR)))) : 20;
  const wanted = Math.min(96, Math.max(60, textWidth('x'.repeat(Math.min(longest, 13)), 10) + 12));
  // Columns keyed by number when a name's parts would not fit a column of the cell size wanted.
  const keyed = textWidth('x'.repeat(Math.min(longestPart, longest)), 10) + 8 > (opts.maxWidth ? Math.min(wanted, (opts.maxWidth - 26 - rowChars * FONT * CHAR - 10 - 12) / K) : wanted);
  const keyWidth = keyed ? textWidth(String(K)) + 8 : 0;
  const rowLines = names.map((n) => wrapName(n, rowChars));
  const rowLabel = Math.max(...rowLines.flat().map((l) => textWidth(l)), textWidth('xxxx')) + 10 + keyWidth;
  const left = Math.floor(26 + rowLabel);
  const cell = Math.floor(opts.maxWidth ? Math.max(44, Math.min(wanted, (opts.maxWidth - left - 12) / K)) : wanted);
  const colChars = Math.max(1, Math.floor((cell - 8) / (10 * CHAR)));
  const colLines = names.map((n, i) => (keyed ? [String(i + 1)] : wrapName(n, colChars)));
  const colDepth = Math.max(...colLines.map((l) => l.length));
  // A row as tall as its name's lines need, the cells at least square.
  const rowHeight = rowLines.map((l) => Math.max(cell, l.length * LINE + 6));
  const rowTop = rowHeight.map((_, t) => rowHeight.slice(0, t).reduce((a, b) => a + b, 0));
  const height = rowHeight.reduce((a, b) => a + b, 0);
  const top = 58 + (colDepth - 1) * 11;
  const nodes: PlotNode[] = [title(8, 16, 'Confusion matrix')];
  nodes.push(text(left + (K * cell) / 2, 36, 'Predicted class', { 'text-anchor': 'middle', 'data-role': 'axis-label' }));
  const ty = top + height / 2;
  nodes.push(text(14, ty, 'True class', { 'text-anchor': 'middle', transform: `rotate(-90 14 ${px(ty)})`, 'data-role': 'axis-label' }));
  for (let t = 0; t < K; t++) {
    const name = names[t];
    const mid = top + rowTop[t] + rowHeight[t] / 2;
    nodes.push(lines(left - 6, mid + 4 - ((rowLines[t].length - 1) * LINE) / 2, rowLines[t], { 'text-anchor': 'end', 'data-role': 'row-label' }, name));
    if (keyed) nodes.push(text(26, mid + 4, String(t + 1), { 'font-weight': 600, 'data-role': 'row-key' }, name));
    nodes.push(lines(left + t * cell + cell / 2, top - 7 - (colLines[t].length - 1) * 11, colLines[t], { 'font-size': 10, 'text-anchor': 'middle', 'data-role': 'column-label' }, name, 11));
    const row = e.confusion[t] ?? [];
    const total = row.reduce((a, b) => a + (isNum(b) ? b : 0), 0);
    for (let p = 0; p < K; p++) {
      const v = row[p] ?? 0;
      const share = total > 0 ? v / total : 0;
      const opacity = 0.06 + 0.84 * share;
      const ink = opacity > 0.5 ? theme.onStrong : 'currentColor';
      const x = left + p * cell;
      const y = top + rowTop[t];
      const h = rowHeight[t];
      nodes.push({
        tag: 'g',
        attrs: { 'data-role': 'cell', 'data-value': v },
        title: `True ${name}, predicted ${names[p]}: ${v} images${total > 0 ? ` (${Math.round(share * 100)}% of ${name})` : ''}`,
        children: [
          { tag: 'rect', attrs: { x, y, width: cell, height: h, fill: theme.series[0], 'fill-opacity': px(opacity * 100) / 100, stroke: 'currentColor', 'stroke-opacity': 0.25 } },
          text(x + cell / 2, y + h / 2 + 1, String(v), { 'font-size': 14, 'font-weight': 600, 'text-anchor': 'middle', fill: ink, 'data-role': 'count' }),
          text(x + cell / 2, y + h / 2 + 16, total > 0 ? `${Math.round(share * 100)}%` : '–', { 'font-size': 10, 'text-anchor': 'middle', fill: ink, 'data-role': 'share' }),
        ],
      });
    }
  }
  // The caption's phrases on as few lines as the plot's width (or maxWidth) allows.
  const room = Math.max(left + K * cell + 12, opts.maxWidth ?? 0) - 16;
  const captions: string[] = [];
  for (const phrase of ['Rows: true class', keyed ? 'columns: predicted, numbered as the rows' : 'columns: predicted', '% of the row']) {
    const last = captions.length - 1;
    if (last >= 0 && (!opts.maxWidth || textWidth(`${captions[last]} · ${phrase}`, 10) <= room)) captions[last] += ` · ${phrase}`;
    else captions.push(phrase);
  }
  captions.forEach((c, i) => nodes.push(text(8, top + height + 20 + i * 13, c, { 'font-size': 10, 'data-role': 'caption' })));
  const width = Math.ceil(Math.max(left + K * cell + 12, 16 + Math.max(...captions.map((c) => textWidth(c, 10)))));
  const description = `Confusion matrix, rows: true class, columns: predicted class. ${names
    .map((name, t) => `True ${name}: ${names.map((p, j) => `${e.confusion[t]?.[j] ?? 0} predicted ${p}`).join(', ')}`)
    .join('. ')}.`;
  return { width, height: top + height + 17 + captions.length * 13, label: 'Confusion matrix (rows: true class, columns: predicted)', description, nodes };
}

/** Training curves, two panels on one epoch axis: training and validation loss; validation AUC. */
export function trainingCurvesPlot(history: readonly EpochValues[], theme: PlotTheme = LIGHT_PLOT_THEME, opts: { width?: number } = {}): Plot {
  const n = history.length;
  const width = Math.max(240, opts.width ?? 480);
  const left = 54;
  const right = 16;
  const loss = { left, top: 30, width: width - left - right, height: 130 };
  const auc = { left, top: 230, width: width - left - right, height: 100 };
  const xt = epochTicks(n);
  const last = Math.max(2, xt.values[xt.values.length - 1] ?? 1, n);
  const sx = scale(1, last, left, left + loss.width);
  const epochs = history.map((h) => h.epoch);
  const finite = (xs: (Num | undefined)[]) => xs.filter(isNum);
  const losses = finite(history.flatMap((h) => [h.loss, h.valLoss]));
  const yt = niceTicks(0, Math.max(1e-6, ...losses), 4);
  const syLoss = scale(yt.values[0], yt.values[yt.values.length - 1], loss.top + loss.height, loss.top);
  const syAuc = scale(0, 1, auc.top + auc.height, auc.top);
  const [cTrain, cVal, cAuc] = [theme.series[0], theme.series[1], theme.series[2]];
  const markers = (ys: (Num | undefined)[], sy: Scale, color: string, series: string): PlotNode[] =>
    n > 60
      ? []
      : history.flatMap((h, i) => {
          const y = ys[i];
          return isNum(y) ? [{ tag: 'circle' as const, attrs: { cx: px(sx(h.epoch)), cy: px(sy(y)), r: 2.5, fill: color, 'data-role': 'marker', 'data-series': series } }] : [];
        });
  const curve = (ys: (Num | undefined)[], sy: Scale, color: string, series: string): PlotNode[] => [
    { tag: 'polyline', attrs: { points: points(epochs, ys, sx, sy), fill: 'none', stroke: color, 'stroke-width': 2, 'data-role': 'curve', 'data-series': series }, title: series },
    ...markers(ys, sy, color, series),
  ];
  const trainLoss = history.map((h) => h.loss);
  const valLoss = history.map((h) => h.valLoss);
  const valAuc = history.map((h) => h.valMetric);
  const lossLegend = legendRow(
    [
      { swatch: { kind: 'line', color: cTrain }, label: 'training' },
      ...(finite(valLoss).length ? [{ swatch: { kind: 'line' as const, color: cVal }, label: 'validation' }] : []),
    ],
    left + 46,
    16,
  );
  const nodes: PlotNode[] = [
    title(8, 16, 'Loss'),
    ...lossLegend.nodes,
    ...axes(loss, sx, syLoss, xt, yt, null, 'Loss'),
    ...curve(trainLoss, syLoss, cTrain, 'training loss'),
    ...(finite(valLoss).length ? curve(valLoss, syLoss, cVal, 'validation loss') : []),
    title(8, auc.top - 14, `Validation ${METRIC_NAMES.auc}`),
    ...axes(auc, sx, syAuc, xt, UNIT_TICKS, 'Epoch', METRIC_NAMES.auc),
    ...curve(valAuc, syAuc, cAuc, `validation ${METRIC_NAMES.auc}`),
  ];
  return { width, height: auc.top + auc.height + 40, label: 'Training curves', nodes };
}
