/**
 * A finished training run's results in the Training tab: the test metrics, the plots the HTML
 * report draws (common/plots: training curves, ROC with its 95% band, reliability diagram,
 * confusion matrix) and the report itself; for the run just finished, or for any model package
 * in the data folder that recorded them (training.results).
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useLastCall } from '../useLastCall';
import type { RunResults as StoredRun, StoredCalibration, StoredEvaluation } from '../../../common/contract/run-results';
import { confusionPlot, reliabilityPlot, rocPlot, type EpochValues } from '../../../common/plots/charts';
import { DARK_PLOT_THEME } from '../../../common/plots/scene';
import { errorMessage } from '../../../common/errors';
import { fewTestPatientsWarning, TRAINING_DOMAIN_NOTE } from '../../../common/training-advice';
import { aucText, f3, HEADLINE_SEPARATOR, headlineParts, METRIC_NAMES } from '../../../common/metric-words';
import { thresholdRule } from '../../../common/threshold-words';
import { groupVersions } from '../../../common/package-versions';
import { lumen } from '../api';
import { formatDateTime } from '../workspace/format';
import { Name } from '../workspace/Name';
import { PlotView, TrainingCurves } from './Plots';
import { positiveClassIndex } from '../../../common/positive-class';
import { rocClassIndex, rocForClass } from '../../../common/plots/roc-class';

export interface RunView {
  test: StoredEvaluation | null;
  history: readonly EpochValues[];
  packageDir: string;
  reportPath: string | null;
  /** What the package does not hold, in words. */
  missing?: string[];
  /** Temperature scaling: T and the ECE before and after (a training run's result, or the package's metadata). */
  calibration?: StoredCalibration | null;
  /** 'series' for a series-head package (a series run's result says so too): its evaluations count series. */
  level?: 'image' | 'series';
  /** The package's training domain in lines, as the HTML report lists them. */
  domain?: string[];
}

const count = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;
/** Figures joined as the CLI and the report join them, each kept whole on a line of the narrow panel. */
const Figures = ({ parts }: { parts: string[] }) => (
  <>
    {parts.map((p, i) => (
      <span key={i}>
        {i > 0 && HEADLINE_SEPARATOR}
        <span style={{ whiteSpace: 'nowrap' }}>{p}</span>
      </span>
    ))}
  </>
);
/** "Per patient (3): ROC AUC 0.917 (95% CI 0.500–1.000) · accuracy 0.667" */
const levelLine = (name: string, l: NonNullable<StoredEvaluation['perPatient']>) =>
  l.n === 0 ? (
    `${name}: none scored${l.skippedMixedLabels ? ` (${l.skippedMixedLabels} with mixed labels left out)` : ''}`
  ) : (
    <>
      {`${name} (${l.n}${l.skippedMixedLabels ? `, ${l.skippedMixedLabels} with mixed labels left out` : ''}): `}
      <Figures parts={[aucText(l.auc, l.aucCi), `${METRIC_NAMES.accuracy} ${f3(l.accuracy)}`]} />
    </>
  );
/** The patients held out: those scored and those left out for mixed labels. */
const heldOut = (l: NonNullable<StoredEvaluation['perPatient']>) => l.n + (l.skippedMixedLabels ?? 0);
/** The panel is about 300 px wide: plots are drawn for it, so their text keeps its size. */
const UNIT_SIZE = 200;
const PANEL_WIDTH = 280;

export function RunResults({ run, onOpenReport }: { run: RunView; onOpenReport: (reportPath: string) => void }) {
  const t = run.test;
  const few = t?.perPatient ? fewTestPatientsWarning(heldOut(t.perPatient)) : null;
  // A binary run's curve: of its positive class (not a "normal"-type one), or of the class the user picks.
  const [rocChoice, setRocChoice] = useState<{ packageDir: string; k: number } | null>(null);
  const rocClass = t && rocClassIndex(t) !== null ? (rocChoice?.packageDir === run.packageDir ? rocChoice.k : positiveClassIndex(t.classNames)) : null;
  const rocShown = t && rocClass !== null ? rocForClass(t, rocClass) : t;
  return (
    <div className="run-results" data-testid="run-results">
      {/* First, as while the run trained: the curves and the test heading fit in view together. */}
      <div className="run-plots">
        <TrainingCurves history={run.history} />
      </div>
      {t && (
        <>
          <h3 style={{ margin: '0 0 4px' }}>Test split ({t.n} {run.level === 'series' ? 'series' : 'images'}{t.perPatient ? `, ${count(heldOut(t.perPatient), 'patient')}` : ''})</h3>
          <div data-testid="test-figures"><Figures parts={headlineParts(t)} /></div>
          {/* How a binary package's figures count a class, and how that differs from what predict and the Classifier panel name. */}
          {thresholdRule(t.threshold, t.classNames) && <div className="muted small" data-testid="threshold-rule">{thresholdRule(t.threshold, t.classNames)}</div>}
          {/* The held-out patients are the evidence, not the images: the levels a clinician decides at, and how the intervals were made. */}
          {run.level !== 'series' && t.perSeries && <div data-testid="per-series">{levelLine('Per series', t.perSeries)}</div>}
          {t.perPatient && <div data-testid="per-patient">{levelLine('Per patient', t.perPatient)}</div>}
          {t.ciMethod && <div className="muted small">95% intervals: {t.ciMethod}.</div>}
          {/* Fewer than 10 held-out patients: the report, the model card and lumen eval say the same. */}
          {few && <div className="warn small" role="note" data-testid="few-test-patients">⚠ {few}</div>}
          {run.calibration && (
            <div className="muted small" data-testid="calibration" title={`Expected calibration error: the mean gap between a score and how often it is right. Temperature scaling divides every logit by one number T fitted on the validation split; it keeps the ranking (${METRIC_NAMES.auc}) and is built into the package's scores.`}>
              {run.calibration.applied
                ? `Calibrated: T ${run.calibration.temperature.toFixed(3)} · ECE ${run.calibration.test ? `test ${f3(run.calibration.test.eceBefore)} → ${f3(run.calibration.test.eceAfter)}, ` : ''}validation ${f3(run.calibration.validation.eceBefore)} → ${f3(run.calibration.validation.eceAfter)}`
                : `Not calibrated (T = 1): ${run.calibration.reason ?? 'temperature scaling did not lower the validation error'} (ECE ${f3(run.calibration.validation.eceBefore)})`}
            </div>
          )}
          <table>
            <thead><tr><th>Class</th><th>Sens</th><th>Spec</th><th>PPV</th><th>NPV</th><th>{METRIC_NAMES.auc}</th></tr></thead>
            <tbody>{t.perClass.map((c) => <tr key={c.className}><td><Name text={c.className} /></td><td>{f3(c.sensitivity)}</td><td>{f3(c.specificity)}</td><td>{f3(c.ppv)}</td><td>{f3(c.npv)}</td><td>{f3(c.auc)}</td></tr>)}</tbody>
          </table>
        </>
      )}
      {t && rocClass !== null && (
        <label className="small roc-class" data-testid="roc-class">
          ROC curve of{' '}
          <select aria-label="ROC curve of class" value={rocClass} onChange={(e) => setRocChoice({ packageDir: run.packageDir, k: Number(e.target.value) })}>
            {t.classNames.map((c, i) => <option key={c} value={i}>{c}</option>)}
          </select>{' '}
          as the positive class
        </label>
      )}
      <div className="run-plots">
        {rocShown && <PlotView plot={rocPlot(rocShown, DARK_PLOT_THEME, { size: UNIT_SIZE })} testId="roc-plot" />}
        {t && <PlotView plot={reliabilityPlot(t, DARK_PLOT_THEME, { size: UNIT_SIZE })} testId="reliability-plot" />}
        {t && <PlotView plot={confusionPlot(t, DARK_PLOT_THEME, { maxWidth: PANEL_WIDTH })} testId="confusion-plot" />}
      </div>
      {run.domain && run.domain.length > 0 && (
        <details className="small" data-testid="run-domain">
          <summary>Training domain</summary>
          <div className="muted">{TRAINING_DOMAIN_NOTE}</div>
          <ul>{run.domain.map((l, i) => <li key={i}>{l}</li>)}</ul>
        </details>
      )}
      {run.missing && run.missing.length > 0 && <div className="muted small">This package holds {run.missing.join('; ')}.</div>}
      <div className="small">Package: <Name text={run.packageDir} /></div>
      {/* The report's path has the panel's width to itself, under its button: a path beside a button would wrap every few letters. */}
      {run.reportPath && (
        <div className="run-report">
          <button type="button" onClick={() => onOpenReport(run.reportPath!)}>Open report</button>
          <span className="muted small"><Name text={run.reportPath} /></span>
        </div>
      )}
    </div>
  );
}

type PackageChoice = { dir: string; name: string; contentHash: string; createdAt?: string; version?: number; earlierVersionOf?: string };
/** "made 06-Dec-2026 08:30 · #62ce16fc": which run a package is. */
const madeText = (p: PackageChoice) => `${p.createdAt ? `made ${formatDateTime(p.createdAt)} · ` : ''}#${p.contentHash.slice(0, 8)}`;
/** An entry of the list: the name first (what fits the box), then when it was made and its hash. */
const choiceText = (p: PackageChoice) => `${p.name}${p.version !== undefined ? ` · version ${p.version}${p.earlierVersionOf ? '' : ' (newest)'}` : ''} · ${madeText(p)}`;

/** Pick a model package of the data folder and show what it recorded of its training. */
export function PackageResults({ packages, onOpenReport }: { packages: readonly PackageChoice[]; onOpenReport: (reportPath: string) => void }) {
  const [dir, setDir] = useState('');
  const described = useId();
  const [shown, setShown] = useState<StoredRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The list in its order as last seen with the chosen package in it: when that package is
  // deleted (the Classifier panel's Delete…), the view says so and offers the one after it; its
  // Undo brings it back chosen.
  const order = groupVersions(packages).flatMap(({ pkg, earlier }) => [pkg, ...earlier]);
  const seen = useRef<PackageChoice[]>([]);
  const goneIndex = dir !== '' && !packages.some((p) => p.dir === dir) ? seen.current.findIndex((p) => p.dir === dir) : -1;
  const gone = goneIndex >= 0 ? seen.current[goneIndex] : null;
  const next = gone ? (seen.current.slice(goneIndex + 1).find((p) => packages.some((q) => q.dir === p.dir)) ?? order[0]) : undefined;
  const chosen = packages.some((p) => p.dir === dir) ? dir : (next?.dir ?? order[0]?.dir ?? '');
  const picked = packages.find((p) => p.dir === chosen);
  useEffect(() => {
    if (!gone) seen.current = order;
  });
  /** The last Show pressed: the answer for a package asked for before it, arriving late, is dropped. */
  const asked = useLastCall();
  const show = async () => {
    const last = asked.begin();
    setError(null);
    // What is shown stays chosen: if it is deleted, the view says so.
    setDir(chosen);
    try {
      const results = await lumen.invoke('training.results', { packageDir: chosen });
      if (last()) setShown(results);
    } catch (err) {
      if (!last()) return;
      setShown(null);
      setError(`Could not read the results of ${chosen}: ${errorMessage(err)}`);
    }
  };
  const goneNote = gone && (
    <div className="muted small" role="status" data-testid="package-results-deleted" style={{ marginBottom: 4 }}>
      <Name text={gone.name} />{gone.version !== undefined ? ` version ${gone.version}` : ''} #{gone.contentHash.slice(0, 8)} was deleted.
      {picked && (
        <>
          {' Chosen instead: '}
          <Name text={picked.name} />
          {`${picked.version !== undefined ? ` version ${picked.version}` : ''} #${picked.contentHash.slice(0, 8)}.`}
        </>
      )}
    </div>
  );
  if (packages.length === 0) return gone ? <div className="package-results"><h3 style={{ margin: '0 0 4px' }}>Results of a model</h3>{goneNote}</div> : null;
  return (
    <div className="package-results">
      <h3 style={{ margin: '0 0 4px' }}>Results of a model</h3>
      {goneNote}
      {/* The panel is about 300 px wide: the list has a line of its own for the name, and when the package was made and its hash are said whole beneath it. */}
      <select aria-label="Model package" aria-describedby={picked ? `${described}-name ${described}-made` : undefined} value={chosen} onChange={(e) => setDir(e.target.value)} title={picked ? choiceText(picked) : undefined} style={{ width: '100%' }}>
        {/* A name's earlier versions (a run that reused the name kept them) follow it, newest first. */}
        {order.map((p) => <option key={p.dir} value={p.dir}>{choiceText(p)}</option>)}
      </select>
      {/* The list's box cuts a long name: beneath it the chosen package's name is said whole, wrapped between its parts. */}
      {picked && (
        <div className="small" data-testid="package-choice-name" id={`${described}-name`}>
          <Name text={picked.name} />
          {picked.version !== undefined ? ` · version ${picked.version}` : ''}
        </div>
      )}
      <div className="row" style={{ marginTop: 4 }}>
        {picked && <span className="muted small" data-testid="package-choice" id={`${described}-made`} style={{ flex: 1 }}>{madeText(picked)}</span>}
        <button type="button" onClick={() => void show()}>Show results</button>
      </div>
      {error && <div role="alert" className="bad small">{error}</div>}
      {shown && shown.packageDir === chosen && <RunResults run={shown} onOpenReport={onOpenReport} />}
    </div>
  );
}
