import { useEffect, useState } from 'react';
import type { StudyResult } from '../../../common/contract/results';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { formatDate } from './format';
import { formatScore } from './score';
import { SendToPacs } from './SendToPacs';
import { Name } from './Name';
import './results.css';

/** At most this many findings are listed per document; the rest are counted. */
const MAX_ROWS = 200;

/** "2026-01-02T03:04:05" -> "02-Jan-2026 03:04". */
function formatWhen(iso: string | null): string {
  if (!iso) return '';
  const [date, time] = iso.split('T');
  return `${formatDate(date.replace(/-/g, ''))}${time ? ` ${time.slice(0, 5)}` : ''}`;
}

/**
 * The results imported with a study (SR findings, parametric maps), listed under the study
 * browser for the study of the open series. Nothing is shown when the study has none.
 */
export function StudyResults({ studyInstanceUid, showMaps, setShowMaps }: { studyInstanceUid: string | null; showMaps: boolean; setShowMaps: (show: boolean) => void }) {
  const [results, setResults] = useState<StudyResult[] | null>(null);
  // Documents filed with the study but of another patient: not listed, counted (no patient values).
  const [otherPatient, setOtherPatient] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => lumen.on('library.changed', () => setGeneration((g) => g + 1)), []);
  useEffect(() => {
    setResults(null);
    setOtherPatient(0);
    setError(null);
    if (!studyInstanceUid) return;
    let live = true;
    Promise.all([lumen.invoke('results.study', { studyInstanceUid }), lumen.invoke('results.notShown', { studyInstanceUid })]).then(
      ([r, notShown]) => {
        if (!live) return;
        setResults(r);
        setOtherPatient(notShown.otherPatient);
      },
      (err: unknown) => live && setError(`The study's results could not be read: ${errorMessage(err)}`),
    );
    return () => {
      live = false;
    };
  }, [studyInstanceUid, generation]);

  if (error) return <div className="banner error" role="alert">{error}</div>;
  if (!results || (results.length === 0 && otherPatient === 0)) return null;
  return (
    <section className="study-results" aria-label="Results" data-testid="study-results">
      <h3>Results</h3>
      {otherPatient > 0 && (
        <div className="muted result-other-patient" data-testid="results-other-patient" title="They carry this study's UID, but their Patient ID (else name) is another patient's: Lumen does not list them with this study.">
          {otherPatient === 1 ? '1 result document of another patient is not shown.' : `${otherPatient} result documents of another patient are not shown.`}
        </div>
      )}
      {results.length > 0 && <SendToPacs sopInstanceUids={results.map((r) => r.sopInstanceUid)} />}
      {results.some((r) => r.kind === 'parametric-map') && (
        <label className="result-maps-toggle">
          <input type="checkbox" checked={showMaps} onChange={(e) => setShowMaps(e.target.checked)} /> Show the maps over their images
        </label>
      )}
      {results.map((doc) => (
        <div key={doc.sopInstanceUid} className="result-doc" data-kind={doc.kind}>
          <div className="result-doc-head">
            <span>{doc.kind === 'sr' ? (doc.title ?? 'Structured report') : `Parametric map${doc.title ? `: ${doc.title}` : ''}`}</span>
            <span className="muted">{formatWhen(doc.contentDate)}</span>
          </div>
          {doc.kind === 'parametric-map' ? (
            <div className="muted result-map">
              of {doc.sources.length} {doc.sources.length === 1 ? 'image' : 'images'}
            </div>
          ) : (
            <table className="result-findings">
              <thead>
                <tr>
                  <th>Finding</th>
                  <th>Score</th>
                  <th>Model</th>
                </tr>
              </thead>
              <tbody>
                {doc.findings.slice(0, MAX_ROWS).map((f, i) => (
                  <tr key={i} data-testid="result-finding">
                    <td className="finding" title={f.codeValue && f.codingScheme ? `${f.finding} (${f.codingScheme} ${f.codeValue})` : f.finding}>
                      <span>{f.finding}</span>
                    </td>
                    <td className="num">{formatScore(f.score, f.unit, f.probability)}</td>
                    <td title={[f.algorithmName, f.algorithmVersion, f.algorithmHash && `package ${f.algorithmHash}`].filter(Boolean).join(' ') || undefined}>{f.algorithmName ? <><Name text={f.algorithmName} />{f.algorithmVersion ? ` ${f.algorithmVersion}` : ''}</> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {doc.findings.length > MAX_ROWS && <div className="muted">and {doc.findings.length - MAX_ROWS} more findings</div>}
        </div>
      ))}
    </section>
  );
}
