/**
 * Label CSV in and out of the Training tab, without typing a path: a file chosen with the
 * system's file dialog (<input type=file>, which the desktop app and a browser both give) or
 * dropped on the panel is read here and its TEXT goes to the engine
 * (training.labels.importCsvText), which parses it as hostile input. The report (rows,
 * labelled counts, classes, unusable rows by line) stays shown, with "Undo import". A path
 * can still be typed, for files the app should read where they are. Export downloads the
 * labels as the same CSV (training.labels.exportCsv), so it imports back as it was.
 */
import { useEffect, useRef, useState } from 'react';
import type { RequestOutput } from '../../../common/contract';
import { LABEL_CSV_TEXT_MAX } from '../../../common/contract/training';
import { decodeSpreadsheetText } from '../../../common/csv';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { readOnlyControl, useReadOnlyLibrary } from '../workspace/libraryAccess';
import { Name } from '../workspace/Name';

type Report = RequestOutput<'training.labels.importCsvText'>;

/** The browser bridge carries messages up to 1 MiB (electron/serve): a file's text must fit in one. */
const BROWSER_MAX_BYTES = 800 * 1024;
const PROBLEMS_SHOWN = 50;

const sizeInWords = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** Why the app will not send this file, or null when it will. */
export function labelFileProblem(file: { name: string; size: number }, shell: 'electron' | 'browser'): string | null {
  if (!/\.(csv|tsv|txt)$/i.test(file.name)) return `${file.name} is not a label CSV: choose a .csv file with a header such as "SeriesInstanceUID,label".`;
  const max = shell === 'browser' ? BROWSER_MAX_BYTES : LABEL_CSV_TEXT_MAX;
  if (file.size > max) {
    return `${file.name} is ${sizeInWords(file.size)}: the ${shell === 'browser' ? 'browser UI' : 'app'} takes label files up to ${sizeInWords(max)}. Import it with "lumen labels import" (or type its path${shell === 'browser' ? ' in the desktop app' : ''}).`;
  }
  return null;
}

export function LabelImport({ dropped, onChanged }: {
  /** A file dropped on the Training panel (a new object for each drop). */
  dropped: File | null;
  /** Labels changed (import or undo): the panel refreshes what it shows and says `summary`. */
  onChanged: (summary: string) => void;
}) {
  const [report, setReport] = useState<{ file: string; report: Report } | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [csvPath, setCsvPath] = useState('');
  const chooser = useRef<HTMLInputElement>(null);

  const run = async (what: string, work: () => Promise<Report>) => {
    setBusy(true);
    setMessage(null);
    try {
      const r = await work();
      setReport({ file: what, report: r });
      onChanged(`Imported labels: ${r.labelled.series} series, ${r.labelled.image} images, ${r.labelled.study} studies${r.problems.length ? `; ${r.problems.length} rows not used (see the report above)` : ''}.`);
    } catch (err) {
      setReport(null);
      setMessage({ text: `${what}: ${errorMessage(err)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  const readOnly = useReadOnlyLibrary();
  const importFile = (file: File) => {
    if (readOnly) return setMessage({ text: 'The library is on a read-only disk: no labels can be imported into it.', error: true });
    const problem = labelFileProblem(file, lumen.shell);
    if (problem) return setMessage({ text: problem, error: true });
    void run(file.name, async () => lumen.invoke('training.labels.importCsvText', { text: decodeSpreadsheetText(new Uint8Array(await file.arrayBuffer())) }));
  };
  useEffect(() => {
    if (dropped) importFile(dropped);
    // Only a new drop imports.
  }, [dropped]);

  const undo = async () => {
    const undoId = report?.report.undoId;
    if (!undoId) return;
    try {
      const r = await lumen.invoke('training.labels.undo', { undoId });
      setReport(null);
      const text = `Import undone: the labels of ${count(r.count, 'image, series or study', 'images, series or studies')} are back as they were.`;
      setMessage({ text, error: false });
      onChanged(text);
    } catch (err) {
      setMessage({ text: errorMessage(err), error: true });
    }
  };

  const exportCsv = async () => {
    try {
      const { csv, rows } = await lumen.invoke('training.labels.exportCsv', {});
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'lumen-labels.csv';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage({ text: `Exported ${count(rows, 'label')} as lumen-labels.csv (StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, frame, label).`, error: false });
    } catch (err) {
      setMessage({ text: errorMessage(err), error: true });
    }
  };

  const r = report?.report;
  const classes = r ? Object.entries(r.classes).sort((a, b) => (a[0] < b[0] ? -1 : 1)) : [];
  return (
    <div className="label-import" role="group" aria-label="Label CSV">
      <div className="row">
        <button type="button" onClick={() => chooser.current?.click()} disabled={busy} {...readOnlyControl(readOnly)}>Choose label CSV…</button>
        <button type="button" onClick={() => void exportCsv()}>Export labels CSV</button>
        <input
          ref={chooser}
          type="file"
          accept=".csv,.tsv,.txt,text/csv"
          aria-label="Label CSV file"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) importFile(file);
          }}
        />
      </div>
      <small className="muted">or drop a CSV on this panel, or type its path below (header: SeriesInstanceUID, StudyInstanceUID, SOPInstanceUID or PatientID, and label; frame, optional, picks one frame of a SOPInstanceUID)</small>
      <div className="row">
        <input aria-label="Label CSV path" placeholder="/path/to/labels.csv" value={csvPath} onChange={(e) => setCsvPath(e.target.value)} style={{ flex: 1 }} />
        <button type="button" onClick={() => void run(csvPath, () => lumen.invoke('training.labels.importCsv', { path: csvPath }))} disabled={!csvPath || busy} {...readOnlyControl(readOnly)}>Import CSV</button>
      </div>
      {busy && <div className="muted small">Importing…</div>}
      {message && <div className={message.error ? 'label-import-error' : 'muted small'} role={message.error ? 'alert' : 'status'}>{message.text}</div>}
      {r && report && (
        <div className="import-result" role="region" aria-label="Label import report">
          <div>
            <b><Name text={report.file} /></b>: {count(r.rows, 'row')}; labelled {count(r.labelled.series, 'series', 'series')}, {count(r.labelled.image, 'image')}, {count(r.labelled.study, 'study', 'studies')}.
          </div>
          {classes.length > 0 && <div className="muted small">Classes: {classes.map(([c, n]) => `${c} ${n}`).join(' · ')}</div>}
          {r.problems.length > 0 && (
            <>
              <div className="label-import-error">{count(r.problems.length, 'row')} not used:</div>
              <ul className="import-problems" aria-label="Rows not used">
                {r.problems.slice(0, PROBLEMS_SHOWN).map((p) => <li key={`${p.line}:${p.reason}`}>{p.line > 0 ? `line ${p.line}: ` : ''}{p.reason}</li>)}
                {r.problems.length > PROBLEMS_SHOWN && <li className="muted">and {count(r.problems.length - PROBLEMS_SHOWN, 'more row')}</li>}
              </ul>
            </>
          )}
          {r.notes.length > 0 && (
            <>
              <div className="muted small">{count(r.notes.length, 'row')} read as another spelling:</div>
              <ul className="import-problems" aria-label="Rows read as another spelling">
                {r.notes.slice(0, PROBLEMS_SHOWN).map((p) => <li key={`${p.line}:${p.reason}`}>line {p.line}: {p.reason}</li>)}
                {r.notes.length > PROBLEMS_SHOWN && <li className="muted">and {count(r.notes.length - PROBLEMS_SHOWN, 'more row')}</li>}
              </ul>
            </>
          )}
          {r.undoId && <button type="button" onClick={() => void undo()}>Undo import</button>}
        </div>
      )}
    </div>
  );
}
