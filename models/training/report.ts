// The evaluation report: one self-contained HTML file with inline SVG plots (ROC curves,
// reliability diagram, confusion matrix, training curves), drawn by common/plots, the code the
// app's Training tab draws them with. No scripts, no external assets.
import type { EpochRecord } from './fit';
import type { Evaluation } from './metrics';
import type { LevelEvaluation } from './levels';
import { confusionPlot, reliabilityPlot, rocPlot, trainingCurvesPlot } from '../../common/plots/charts';
import { escapeMarkup as esc, plotToSvg } from '../../common/plots/scene';
import { fewTestPatientsWarning, TRAINING_DOMAIN_NOTE } from '../../common/training-advice';
import { thresholdRule } from '../../common/threshold-words';
import { aucText, capitalised, ciColumnCell, ciColumnHeading, f3, headlineText, METRIC_NAMES } from '../../common/metric-words';

/** A name made safe for HTML, with a line-break opportunity (<wbr>) after each "_", "-", "." and "/": it wraps between its parts, and copies whole. */
function breakable(s: string): string {
  return (s.match(/[^_\-./]*[_\-./]|[^_\-./]+$/g) ?? [s]).map(esc).join('<wbr>');
}

function table(e: Evaluation): string {
  const rows = e.perClass
    .map((c) => `<tr><td>${breakable(c.className)}</td><td>${c.support}</td><td>${f3(c.sensitivity)}</td><td>${f3(c.specificity)}</td><td>${f3(c.ppv)}</td><td>${f3(c.npv)}</td><td>${ciColumnCell(c.auc, c.aucCi)}</td></tr>`)
    .join('');
  return `<div class="table"><table><tr><th>Class</th><th>n</th><th>Sensitivity</th><th>Specificity</th><th>PPV</th><th>NPV</th><th>${ciColumnHeading(METRIC_NAMES.auc)}</th></tr>${rows}</table></div>`;
}

/** A level's `aggregation` in the table's words: images are scored on their own ('none' in the data). */
const scoresFrom = (aggregation: string) => (aggregation === 'none' ? "each image's own score" : aggregation.replace(/^none: /, ''));

/** Image, series and patient level side by side, when the evaluation has them (training's test split). */
function levels(e: Evaluation): string {
  const by = e as Evaluation & { perImage?: LevelEvaluation; perSeries?: LevelEvaluation; perPatient?: LevelEvaluation };
  const rows = [by.perImage, by.perSeries, by.perPatient].filter((l): l is LevelEvaluation => l !== undefined);
  if (rows.length === 0) return '';
  const row = (l: LevelEvaluation) =>
    `<tr><td>${esc(l.level)}</td><td>${l.n}</td><td>${ciColumnCell(l.auc, l.aucCi)}</td><td>${f3(l.accuracy)}</td><td>${f3(l.balancedAccuracy)}</td><td>${esc(scoresFrom(l.aggregation))}${l.skippedMixedLabels ? ` (${l.skippedMixedLabels} left out: mixed labels)` : ''}</td></tr>`;
  return `<h3>By image, series and patient</h3><div class="table"><table><tr><th>Level</th><th>n</th><th>${ciColumnHeading(METRIC_NAMES.auc)}</th><th>${capitalised(METRIC_NAMES.accuracy)}</th><th>${capitalised(METRIC_NAMES.balancedAccuracy)}</th><th>Scores from</th></tr>${rows.map(row).join('')}</table></div>`;
}

/** The app's warning when the test split held out too few patients (scored and left out for mixed labels), as a paragraph. */
function fewPatients(e: Evaluation): string {
  const p = (e as Evaluation & { perPatient?: LevelEvaluation }).perPatient;
  const warning = p ? fewTestPatientsWarning(p.n + (p.skippedMixedLabels ?? 0)) : null;
  return warning ? `<p class="warn">⚠ ${esc(warning)}</p>\n` : '';
}

/** ", 3 patients" after the test split's count, as the app's Results heading has it (patients scored and left out for mixed labels). */
function heldOutCount(e: Evaluation): string {
  const p = (e as Evaluation & { perPatient?: LevelEvaluation }).perPatient;
  if (!p) return '';
  const n = p.n + (p.skippedMixedLabels ?? 0);
  return `, ${n} ${n === 1 ? 'patient' : 'patients'}`;
}

/**
 * The report's only style. It fits the report dialog's width and a printed A4 page: names wrap
 * between their parts (breakable), anything else without a break (the hash) wherever it must;
 * tables and plots never wider than the page (a table scrolls sideways only where even its
 * narrowest layout is wider); smaller type and cells on a narrow page and in print.
 */
const STYLE = [
  'body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px;color:#222;overflow-wrap:break-word}',
  'h1{font-size:1.7em}',
  'code{overflow-wrap:anywhere}',
  '.table{max-width:100%;overflow-x:auto}',
  'table{border-collapse:collapse;margin:8px 0}',
  'td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}',
  'td:first-child,th:first-child{text-align:left}',
  '.plots{display:flex;flex-wrap:wrap;gap:24px}',
  'svg{max-width:100%;height:auto}',
  'pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:12px}',
  '.warn{color:#8a5300;font-weight:600}',
  '@media (max-width:720px){body{margin:16px;font-size:13px}td,th{padding:3px 5px}}',
  '@page{size:A4;margin:12mm}',
  '@media print{body{margin:0;max-width:none;font-size:10pt}td,th{padding:2px 5px}tr,svg,.warn{break-inside:avoid}h2,h3{break-after:avoid}pre{background:none;border:1px solid #ccc}}',
].join('');

/** A binary package's decision rule and how it differs from `lumen predict`'s (common/threshold-words.ts), as a paragraph; empty without a threshold. */
function ruleParagraph(t: Evaluation): string {
  const rule = thresholdRule(t.threshold, t.classNames);
  return rule ? `\n<p>${esc(rule)}</p>` : '';
}

/** `unit`: what the splits' top-level evaluations count (default images; a series-head package's are series). */
export function renderReport(r: { title: string; classNames: string[]; test: Evaluation; validation: Evaluation; history: EpochRecord[]; modelCard: string; contentHash: string; unit?: 'images' | 'series'; domain?: string[] }): string {
  const t = r.test;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)} — evaluation</title>
<style>${STYLE}</style></head><body>
<h1>${breakable(r.title)}</h1><p>Package content hash <code>${esc(r.contentHash)}</code></p>
<h2>Test split (${t.n} ${r.unit ?? 'images'}${heldOutCount(t)})</h2>
<p>${headlineText(t, { value: (v) => `<b>${v}</b>` })}</p>${ruleParagraph(t)}
${fewPatients(t)}${table(t)}
<p>Intervals: ${esc(t.ciMethod ?? 'bootstrap')}.</p>
${levels(t)}
<div class="plots">${[rocPlot(t), reliabilityPlot(t), confusionPlot(t)].map(plotToSvg).join('')}</div>
<h2>Training</h2>${r.history.length ? plotToSvg(trainingCurvesPlot(r.history)) : '<p>No epochs recorded.</p>'}
<h2>Validation split (${r.validation.n} ${r.unit ?? 'images'})</h2><p>${aucText(r.validation.auc)} · ${METRIC_NAMES.accuracy} ${f3(r.validation.accuracy)}</p>
${r.domain ? `<h2>Training domain</h2><p>${esc(TRAINING_DOMAIN_NOTE)}</p><ul>${r.domain.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>\n` : ''}<h2>Model card</h2><pre>${esc(r.modelCard)}</pre></body></html>
`;
}
