// The evaluation report: one self-contained HTML file with inline SVG plots (ROC curves,
// reliability diagram, confusion matrix, training curves). No scripts, no external assets.
import type { EpochRecord } from './fit';
import type { Evaluation } from './metrics';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];

function axes(w: number, h: number, pad: number, xLabel: string, yLabel: string): string {
  return `<line x1="${pad}" y1="${h - pad}" x2="${w - 10}" y2="${h - pad}" stroke="#333"/><line x1="${pad}" y1="10" x2="${pad}" y2="${h - pad}" stroke="#333"/>
<text x="${(w + pad) / 2}" y="${h - 8}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>
<text x="14" y="${(h - pad) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(h - pad) / 2})">${esc(yLabel)}</text>`;
}

/** ROC curves, one per class (one for binary). */
export function rocSvg(e: Evaluation, size = 320): string {
  const pad = 40;
  const sx = (x: number) => pad + x * (size - pad - 10);
  const sy = (y: number) => size - pad - y * (size - pad - 10);
  const curves = e.roc
    .map((r, i) => `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${r.points.map((p) => `${sx(p.fpr).toFixed(1)},${sy(p.tpr).toFixed(1)}`).join(' ')}"><title>${esc(r.className)}</title></polyline>`)
    .join('');
  const legend = e.roc.map((r, i) => `<text x="${sx(0.45)}" y="${sy(0.3) + i * 14}" font-size="11" fill="${COLORS[i % COLORS.length]}">${esc(r.className)} AUC ${f3(e.roc.length === 1 ? e.auc : e.perClass[i].auc)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" role="img" aria-label="ROC curves">${axes(size, size, pad, 'False positive rate', 'True positive rate')}
<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#aaa" stroke-dasharray="4"/>${curves}${legend}</svg>`;
}

/** Reliability diagram: accuracy per confidence bin against the diagonal. */
export function reliabilitySvg(e: Evaluation, size = 320): string {
  const pad = 40;
  const sx = (x: number) => pad + x * (size - pad - 10);
  const sy = (y: number) => size - pad - y * (size - pad - 10);
  const bars = e.reliability
    .filter((b) => b.count > 0)
    .map((b) => `<rect x="${sx(b.lower) + 1}" y="${sy(b.accuracy)}" width="${sx(b.upper) - sx(b.lower) - 2}" height="${sy(0) - sy(b.accuracy)}" fill="#1f77b4" opacity="0.7"><title>${b.count} images, confidence ${f3(b.confidence)}, accuracy ${f3(b.accuracy)}</title></rect>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" role="img" aria-label="Reliability diagram">${axes(size, size, pad, 'Confidence', 'Accuracy')}
<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#aaa" stroke-dasharray="4"/>${bars}<text x="${sx(0.05)}" y="${sy(0.92)}" font-size="12">ECE ${f3(e.ece)}</text></svg>`;
}

export function confusionSvg(e: Evaluation): string {
  const K = e.classNames.length;
  const cell = 56;
  const left = 110;
  const top = 40;
  const max = Math.max(1, ...e.confusion.flat());
  let out = '';
  for (let t = 0; t < K; t++) {
    out += `<text x="${left - 6}" y="${top + t * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${esc(e.classNames[t])}</text>`;
    out += `<text x="${left + t * cell + cell / 2}" y="${top - 8}" text-anchor="middle" font-size="11">${esc(e.classNames[t])}</text>`;
    for (let p = 0; p < K; p++) {
      const v = e.confusion[t][p];
      const a = v / max;
      out += `<rect x="${left + p * cell}" y="${top + t * cell}" width="${cell}" height="${cell}" fill="rgba(31,119,180,${(0.1 + 0.9 * a).toFixed(2)})" stroke="#fff"/><text x="${left + p * cell + cell / 2}" y="${top + t * cell + cell / 2 + 4}" text-anchor="middle" font-size="13" fill="${a > 0.5 ? '#fff' : '#000'}">${v}</text>`;
    }
  }
  const w = left + K * cell + 10;
  const h = top + K * cell + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="Confusion matrix (rows: true class, columns: predicted)">${out}<text x="${left}" y="${h - 6}" font-size="11">rows: true · columns: predicted</text></svg>`;
}

export function historySvg(history: EpochRecord[], width = 480, height = 240): string {
  if (history.length === 0) return '';
  const pad = 40;
  const maxLoss = Math.max(1e-6, ...history.flatMap((h) => [h.loss, Number.isFinite(h.valLoss) ? h.valLoss : 0]));
  const sx = (e: number) => pad + ((e - 1) / Math.max(1, history.length - 1)) * (width - pad - 10);
  const sy = (v: number) => height - pad - v * (height - pad - 10);
  const line = (vals: number[], color: string, label: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${vals.map((v, i) => `${sx(i + 1).toFixed(1)},${sy(Number.isFinite(v) ? v : 0).toFixed(1)}`).join(' ')}"><title>${label}</title></polyline>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="Training curves">${axes(width, height, pad, 'Epoch', 'Loss (scaled) / validation AUC')}
${line(history.map((h) => h.loss / maxLoss), COLORS[0], 'training loss')}${line(history.map((h) => h.valLoss / maxLoss), COLORS[1], 'validation loss')}${line(history.map((h) => h.valMetric), COLORS[2], 'validation AUC')}
<text x="${pad + 8}" y="22" font-size="11" fill="${COLORS[0]}">training loss</text><text x="${pad + 100}" y="22" font-size="11" fill="${COLORS[1]}">validation loss</text><text x="${pad + 210}" y="22" font-size="11" fill="${COLORS[2]}">validation AUC</text></svg>`;
}

function table(e: Evaluation): string {
  const rows = e.perClass
    .map((c) => `<tr><td>${esc(c.className)}</td><td>${c.support}</td><td>${f3(c.sensitivity)}</td><td>${f3(c.specificity)}</td><td>${f3(c.ppv)}</td><td>${f3(c.npv)}</td><td>${f3(c.auc)} (${f3(c.aucCi[0])}–${f3(c.aucCi[1])})</td></tr>`)
    .join('');
  return `<table><tr><th>Class</th><th>n</th><th>Sensitivity</th><th>Specificity</th><th>PPV</th><th>NPV</th><th>ROC AUC (95% CI)</th></tr>${rows}</table>`;
}

export function renderReport(r: { title: string; classNames: string[]; test: Evaluation; validation: Evaluation; history: EpochRecord[]; modelCard: string; contentHash: string }): string {
  const t = r.test;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)} — evaluation</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:24px}pre{white-space:pre-wrap;background:#f6f6f6;padding:12px}</style></head><body>
<h1>${esc(r.title)}</h1><p>Package content hash <code>${esc(r.contentHash)}</code></p>
<h2>Test split (${t.n} images)</h2>
<p>Accuracy <b>${f3(t.accuracy)}</b> · balanced accuracy <b>${f3(t.balancedAccuracy)}</b> · ROC AUC <b>${f3(t.auc)}</b> (bootstrap 95% CI ${f3(t.aucCi[0])}–${f3(t.aucCi[1])}) · ECE ${f3(t.ece)}${t.threshold !== undefined ? ` · threshold ${f3(t.threshold)} (chosen on validation)` : ''}</p>
${table(t)}
<div class="plots"><figure>${rocSvg(t)}<figcaption>ROC (${t.roc.length > 1 ? 'one-vs-rest' : 'binary'})</figcaption></figure><figure>${reliabilitySvg(t)}<figcaption>Reliability</figcaption></figure><figure>${confusionSvg(t)}<figcaption>Confusion matrix</figcaption></figure></div>
<h2>Training</h2>${historySvg(r.history)}
<h2>Validation split (${r.validation.n} images)</h2><p>ROC AUC ${f3(r.validation.auc)} · accuracy ${f3(r.validation.accuracy)}</p>
<h2>Model card</h2><pre>${esc(r.modelCard)}</pre></body></html>
`;
}
