/**
 * What is labelled (training.labels.overview): series, images and patients per class, what
 * is still unlabelled, the warnings for classes with too few patients for a patient-level
 * split (common/training-advice.ts), and per patient, by the name the study list shows (or
 * the pseudonym when the file has none), what each has of each class.
 */
import { useEffect, useState } from 'react';
import type { LabelOverview as Overview } from '../../../common/contract/training';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { personName } from '../workspace/format';

const n = (x: number) => x.toLocaleString('en-GB');

export function LabelOverview({ generation }: {
  /** Changes whenever labels may have changed: the overview is asked for again. */
  generation: number;
}) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    lumen.invoke('training.labels.overview', {}).then(
      (o) => live && (setOverview(o), setError(null)),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [generation]);
  if (error) return <div role="alert" className="label-import-error">{error}</div>;
  if (!overview) return null;
  const t = overview.totals;
  const classNames = overview.classes.map((c) => c.className);
  return (
    <div className="label-overview" role="region" aria-label="Label overview">
      <div>
        Unlabelled: <b>{n(t.unlabelledSeries)}</b> of {n(t.series)} series, <b>{n(t.unlabelledImages)}</b> of {n(t.images)} images; {n(t.patients)} patients in the library.
      </div>
      {overview.classes.length > 0 && (
        <table aria-label="Labels per class">
          <thead><tr><th>Class</th><th>Series</th><th>Images</th><th>Patients</th></tr></thead>
          <tbody>
            {overview.classes.map((c) => (
              <tr key={c.className}><td>{c.className}</td><td>{n(c.series)}</td><td>{n(c.images)}</td><td>{n(c.patients)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {overview.warnings.map((w) => <div key={w} role="alert" className="label-warning">⚠ {w}</div>)}
      {overview.patients.length > 0 && (
        <details className="label-patients">
          <summary>Per patient ({n(overview.patients.length)})</summary>
          <table aria-label="Labels per patient">
            <thead><tr><th>Patient</th>{classNames.map((c) => <th key={c}>{c}</th>)}<th>Unlabelled series</th></tr></thead>
            <tbody>
              {overview.patients.map((p) => (
                <tr key={p.pseudonym}>
                  <td title={p.pseudonym}><bdi>{p.name ? personName(p.name) : p.pseudonym}</bdi></td>
                  {classNames.map((c) => <td key={c}>{p.classes[c] ? n(p.classes[c]) : ''}</td>)}
                  <td>{p.unlabelledSeries ? n(p.unlabelledSeries) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <small className="muted">Counts are images; hover a name for the pseudonym training packages use.</small>
        </details>
      )}
    </div>
  );
}
