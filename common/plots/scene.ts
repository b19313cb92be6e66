/**
 * A plot as a small scene: plain SVG elements with typed attributes, built once by the
 * functions in charts.ts. Two thin outputs draw it: `plotToSvg` (markup for the HTML report,
 * every text and attribute escaped) and the renderer's PlotView (React elements, which escape
 * by themselves), so the report and the app show the same drawing and no markup string ever
 * reaches the app's DOM.
 */

import { plainText } from '../plain-text';

export type PlotTag = 'g' | 'line' | 'polyline' | 'polygon' | 'rect' | 'circle' | 'text' | 'tspan';

/** The SVG attributes a plot may use, each with the name React gives it. */
export const PLOT_ATTRIBUTES = {
  x: 'x',
  y: 'y',
  x1: 'x1',
  y1: 'y1',
  x2: 'x2',
  y2: 'y2',
  dy: 'dy',
  cx: 'cx',
  cy: 'cy',
  r: 'r',
  width: 'width',
  height: 'height',
  points: 'points',
  fill: 'fill',
  'fill-opacity': 'fillOpacity',
  stroke: 'stroke',
  'stroke-width': 'strokeWidth',
  'stroke-opacity': 'strokeOpacity',
  'stroke-dasharray': 'strokeDasharray',
  'font-size': 'fontSize',
  'font-weight': 'fontWeight',
  'text-anchor': 'textAnchor',
  transform: 'transform',
  // What tests and assistive tools read: which part of the plot an element is.
  'data-role': 'data-role',
  'data-series': 'data-series',
  'data-axis': 'data-axis',
  'data-value': 'data-value',
} as const;

export type PlotAttribute = keyof typeof PLOT_ATTRIBUTES;

export interface PlotNode {
  tag: PlotTag;
  attrs: Partial<Record<PlotAttribute, string | number>>;
  /** Text content (a `text` element); plain text, escaped on output. */
  text?: string;
  /** A tooltip (an SVG `<title>` child); plain text, escaped on output. */
  title?: string;
  children?: PlotNode[];
}

export interface Plot {
  width: number;
  height: number;
  /** What the plot shows, for assistive technology (aria-label). */
  label: string;
  /** What it shows in words, names whole (an SVG `<desc>`: the accessible description). */
  description?: string;
  nodes: PlotNode[];
}

/** Colours of one background: text and axes follow the surrounding text colour. */
export interface PlotTheme {
  /** One colour per curve or class. */
  series: readonly string[];
  /** Text on a strongly filled cell of the confusion matrix. */
  onStrong: string;
}

/** For a white page (the HTML report). */
export const LIGHT_PLOT_THEME: PlotTheme = {
  series: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'],
  onStrong: '#ffffff',
};

/** For the app's dark panels: lighter tones that keep their contrast on #14181d. */
export const DARK_PLOT_THEME: PlotTheme = {
  series: ['#5aa9e6', '#ff7b72', '#5ad17a', '#c39bff', '#ffb347', '#4dd0e1', '#d4a373'],
  onStrong: '#0b0d10',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for SVG/HTML text and double-quoted attribute values; bidirectional and control characters shown as U+FFFD (common/plain-text.ts). */
export function escapeMarkup(s: string): string {
  return plainText(s, { lines: true }).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function nodeToSvg(n: PlotNode): string {
  const attrs = Object.entries(n.attrs)
    .filter(([name, v]) => v !== undefined && name in PLOT_ATTRIBUTES)
    .map(([name, v]) => ` ${name}="${escapeMarkup(String(v))}"`)
    .join('');
  const inner = (n.title !== undefined ? `<title>${escapeMarkup(n.title)}</title>` : '') + (n.text !== undefined ? escapeMarkup(n.text) : '') + (n.children ?? []).map(nodeToSvg).join('');
  return inner ? `<${n.tag}${attrs}>${inner}</${n.tag}>` : `<${n.tag}${attrs}/>`;
}

/** The plot as one `<svg>` element's markup (no scripts, no external references). */
export function plotToSvg(plot: Plot): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${plot.width}" height="${plot.height}" viewBox="0 0 ${plot.width} ${plot.height}" role="img" aria-label="${escapeMarkup(plot.label)}">${plot.description ? `<desc>${escapeMarkup(plot.description)}</desc>` : ''}${plot.nodes.map(nodeToSvg).join('')}</svg>`;
}
