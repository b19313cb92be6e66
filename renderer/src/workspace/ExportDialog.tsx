import { useEffect, useState } from 'react';
import type { DeidentifySummary, ResultsExportSummary } from '../../../common/contract/exports';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import { Progress } from './Progress';
import { useJob } from './useJob';
import './export.css';
import { errorMessage } from '../../../common/errors';
import { countOf, imageCount } from '../../../common/counts';
import { heldBackImages } from '../../../common/held-back';

type What = 'results' | 'deidentify' | 'table';
type TableKind = 'predictions' | 'labels' | 'measurements';

const message = (err: unknown) => errorMessage(err);

/**
 * Export results…: the open series or its study as DICOM SR (predictions of one model,
 * measurements, labels), as de-identified DICOM copies, or as a CSV/JSON table. The same
 * exports as `lumen export` (electron/results/).
 */
/**
 * Why images were held back, one line per reason with the images it holds back ("1 image: it does
 * not say whether its pixels carry text (no BurnedInAnnotation), and modality OT often does."),
 * each followed by which, as the library shows them ("Series 3 “Screenshot”, image 1."), then how
 * to write them after all: the count alone left a researcher guessing which and why.
 */
function heldBackWhy(heldBack: DeidentifySummary['heldBack']): string[] {
  const byReason = new Map<string, DeidentifySummary['heldBack']>();
  for (const h of heldBack) byReason.set(h.reason, [...(byReason.get(h.reason) ?? []), h]);
  return [
    ...[...byReason].flatMap(([reason, list]) => [`${imageCount(list.reduce((n, h) => n + h.frames, 0), list.length)}: ${reason}.`, `${heldBackImages(list)}.`]),
    'Check them, then tick "also images that have or may have text burned into the pixels" to write them too.',
  ];
}

export function ExportDialog({ seriesInstanceUid, studyInstanceUid, onClose }: { seriesInstanceUid: string; studyInstanceUid: string | null; onClose: () => void }) {
  const dialog = useModalDialog<HTMLElement>(onClose);
  const [scope, setScope] = useState<'series' | 'study'>('series');
  const [what, setWhat] = useState<What>('results');
  const [models, setModels] = useState<{ packageHash: string; name: string; images: number }[] | null>(null);
  const [model, setModel] = useState<string>('');
  const [kind, setKind] = useState<TableKind>('predictions');
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const [out, setOut] = useState('');
  const [includeBurnedIn, setIncludeBurnedIn] = useState(false);
  const [heatmaps, setHeatmaps] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string[] | null>(null);
  const job = useJob<DeidentifySummary>();
  const uid = scope === 'study' && studyInstanceUid ? studyInstanceUid : seriesInstanceUid;

  useEffect(() => {
    let live = true;
    lumen.invoke('export.models', { uid }).then(
      (m) => {
        if (!live) return;
        setModels(m);
        setModel((current) => (m.some((x) => x.packageHash === current) ? current : (m[0]?.packageHash ?? '')));
      },
      (err: unknown) => live && setError(message(err)),
    );
    return () => {
      live = false;
    };
  }, [uid]);

  useEffect(() => {
    const r = job.result;
    if (!r) return;
    // Counted as the study list counts images (a multi-frame file's frames), naming the files where they are fewer.
    const held = r.heldBack.reduce((n, h) => n + h.frames, 0);
    setDone([
      `Wrote de-identified copies of ${imageCount(r.writtenFrames, r.written)} to ${r.out}.`,
      ...(r.heldBack.length ? [`Held back ${imageCount(held, r.heldBack.length)} that ${held === 1 ? 'has' : 'have'} or may have text burned into the pixels.`, ...heldBackWhy(r.heldBack)] : []),
      ...r.failed.map((f) => `Not written: file ${f.sopInstanceUid} ${f.reason}.`),
      ...r.notes,
    ]);
  }, [job.result]);

  const run = async () => {
    setError(null);
    setDone(null);
    const path = out.trim();
    if (!path) return setError(what === 'table' ? 'Type the path of the file to write.' : 'Type the path of the folder to write into.');
    if (what === 'deidentify') {
      void job.start(() => lumen.invoke('export.deidentify', { uid, out: path, includeBurnedIn }), 'De-identifying…');
      return;
    }
    setBusy(true);
    try {
      if (what === 'results') {
        const r: ResultsExportSummary = await lumen.invoke('export.results', { uid, packageHash: model || null, out: path, heatmaps: heatmaps && model ? 'parametric-map' : 'none' });
        const maps = r.files.filter((f) => f.kind === 'parametric-map').length;
        setDone([
          ...r.files.filter((f) => f.kind.endsWith('-sr')).map((f) => `${f.kind === 'predictions-sr' ? 'Predictions' : 'Measurements and labels'} (DICOM SR): ${f.file}`),
          ...(maps ? [`${countOf(maps, 'heatmap')} (DICOM Parametric Map) in the same folder.`] : []),
          `${countOf(r.predictions, 'image prediction')}, ${countOf(r.measurements, 'measurement')}, ${countOf(r.labels, 'label')}.`,
          ...(r.skippedMeasurements ? [`${countOf(r.skippedMeasurements, 'measurement')} could not be written to SR (a kind SR does not carry, or an image no longer in the library).`] : []),
          ...r.notes,
        ]);
      } else {
        const r = await lumen.invoke('export.table', { kind, format, uid, packageHash: kind === 'predictions' && model ? model : null, out: path });
        setDone([`Wrote ${countOf(r.rows, 'row')} to ${r.out}.`, ...r.notes]);
      }
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal export-dialog" role="dialog" aria-modal="true" aria-labelledby="export-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header">
          <h2 id="export-title">Export results</h2>
          <button type="button" className="icon-button" title="Close (Esc)" onClick={onClose}>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        <form
          className="export-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <fieldset>
            <legend>Of</legend>
            <label>
              <input type="radio" name="export-scope" checked={scope === 'series'} onChange={() => setScope('series')} /> this series
            </label>
            <label>
              <input type="radio" name="export-scope" checked={scope === 'study'} disabled={!studyInstanceUid} onChange={() => setScope('study')} /> its whole study
            </label>
          </fieldset>
          <fieldset>
            <legend>As</legend>
            <label>
              <input type="radio" name="export-what" checked={what === 'results'} onChange={() => setWhat('results')} data-autofocus /> DICOM results (SR: predictions, measurements, labels)
            </label>
            <label>
              <input type="radio" name="export-what" checked={what === 'deidentify'} onChange={() => setWhat('deidentify')} /> De-identified DICOM copies of the images
            </label>
            <label>
              <input type="radio" name="export-what" checked={what === 'table'} onChange={() => setWhat('table')} /> A table (CSV or JSON)
            </label>
          </fieldset>
          {what !== 'deidentify' && (what === 'results' || kind === 'predictions') && (
            <label className="field">
              <span className="field-label">Predictions of</span>
              <select value={model} onChange={(e) => setModel(e.target.value)} aria-label="Model">
                <option value="">{what === 'results' ? 'no model (measurements and labels only)' : 'every model'}</option>
                {(models ?? []).map((m) => (
                  <option key={m.packageHash} value={m.packageHash}>
                    {m.name} ({imageCount(m.images)})
                  </option>
                ))}
              </select>
            </label>
          )}
          {what === 'results' && model && (
            <label>
              <input type="checkbox" checked={heatmaps} onChange={(e) => setHeatmaps(e.target.checked)} /> with heatmaps: a DICOM Parametric Map of each image&apos;s
              activation map (computed again with the model)
            </label>
          )}
          {what === 'table' && (
            <div className="row">
              <select value={kind} onChange={(e) => setKind(e.target.value as TableKind)} aria-label="Table">
                <option value="predictions">Predictions</option>
                <option value="labels">Labels</option>
                <option value="measurements">Measurements</option>
              </select>
              <select value={format} onChange={(e) => setFormat(e.target.value as 'csv' | 'json')} aria-label="Format">
                <option value="csv">CSV</option>
                <option value="json">JSON</option>
              </select>
            </div>
          )}
          {what === 'deidentify' && (
            <>
              <p className="muted">
                DICOM PS3.15 Basic Profile: names and IDs replaced by the library&apos;s pseudonyms, dates shifted per patient, UIDs remapped, private
                data removed, descriptions cleaned. Lumen&apos;s own results (SR, heatmaps) go with their images, cleaned the same way.
              </p>
              <label>
                <input type="checkbox" checked={includeBurnedIn} onChange={(e) => setIncludeBurnedIn(e.target.checked)} /> also images that have or may have
                text burned into the pixels (check them yourself)
              </label>
            </>
          )}
          <label className="field">
            <span className="field-label">{what === 'table' ? 'File to write' : 'Folder to write into'}</span>
            <input className="text-input" value={out} onChange={(e) => setOut(e.target.value)} placeholder={what === 'table' ? '/path/to/results.csv' : '/path/to/folder'} spellCheck={false} aria-label="Export to" />
          </label>
          <div className="row">
            <button type="submit" className="primary-button" disabled={busy || job.running}>
              Export
            </button>
          </div>
        </form>
        {job.running && <Progress label="De-identify" fraction={job.fraction} message={job.message} onCancel={job.cancel} />}
        {(error || job.error) && (
          <div className="banner error" role="alert">
            Export failed: {error ?? job.error}
          </div>
        )}
        {done && (
          <div className="banner" role="status" data-testid="export-done">
            {done.map((line) => (
              <div key={line}>{line}</div>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
