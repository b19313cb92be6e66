import { useEffect, useRef, useState } from 'react';
import { variantDisplayName, type PredictionResult, type PredictScope, type Recommendation } from '../../../common/contract/models';
import { lumen } from '../api';
import { useRequest } from '../useRequest';
import type { Colormap } from '../viewer/image';
import { compact, formatDateTime } from './format';
import { groupVersions, keyMetricText } from '../../../common/package-versions';
import { Progress } from './Progress';
import { useJob } from './useJob';
import { ImageUncertainty } from './Uncertainty';
import { SeriesAttention } from './SeriesAttention';
import { errorMessage } from '../../../common/errors';
import { DeletedNotice, DeleteQuestion, RecentlyDeleted, versionName } from './PackageDelete';
import { ExportQuestion } from './PackageExport';
import { readOnlyControl } from './libraryAccess';
import { Name } from './Name';
import { positiveClassIndex, topClassIndex } from '../../../common/positive-class';
import './model-panel.css';

export interface HeatmapSettings {
  visible: boolean;
  opacity: number;
  colormap: Colormap;
  /** The class the user picked; null: each image's own top class. */
  classIndex: number | null;
}

/** The heatmap's class as the corner and the Heatmap class select name it: "abnormal (top class)" while it follows the image's top class. */
export function heatmapLabel(className: string | undefined, topClass: boolean): string | null {
  if (className === undefined) return null;
  return topClass ? `${className} (top class)` : className;
}

export interface CurrentImage {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frame: number;
  rows: number;
  columns: number;
}

function ScoreBars({ classNames, scores, testId }: { classNames: string[]; scores: number[]; testId?: string }) {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  return (
    <ol className="scores" data-testid={testId}>
      {order.slice(0, 5).map(([s, i]) => (
        <li key={i}>
          <span className="score-name"><Name text={classNames[i]} /></span>
          <span className="score-bar" aria-hidden="true">
            <span style={{ width: `${Math.round(s * 100)}%` }} />
          </span>
          <span className="score-value">{(s * 100).toFixed(1)}%</span>
        </li>
      ))}
    </ol>
  );
}

export function ModelPanel(props: {
  current: CurrentImage | null;
  packageHash: string | null;
  setPackageHash: (h: string | null) => void;
  result: PredictionResult | null;
  setResult: (r: PredictionResult | null) => void;
  heatmap: HeatmapSettings;
  setHeatmap: (h: HeatmapSettings) => void;
  onPickImage: (sop: string, frame: number) => void;
  onTrain: () => void;
  /** Why the shown image's heatmap is not drawn, when it is not (a one-cell map). */
  heatmapNote?: string | null;
}) {
  const { current, packageHash, setPackageHash, result, setResult, heatmap, setHeatmap } = props;
  const { data: catalog, error: catalogError, reload: reloadCatalog } = useRequest('models.catalog', {});
  const [variant, setVariant] = useState<string | null>(null);
  const [budget, setBudget] = useState(200);
  const [scope, setScope] = useState<PredictScope>('series');
  const [summary, setSummary] = useState<'mean' | 'max'>('mean');
  const latency = useJob<{ variant: string; ms: number }>();
  const [packageFile, setPackageFile] = useState('');
  const [importMessage, setImportMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const importPackage = async () => {
    setImportMessage(null);
    try {
      const p = await lumen.invoke('models.importPackage', { file: packageFile.trim() });
      // The folder it went into (another import may have had the name: name-2), and what the user must know.
      const folder = p.dir.split(/[\\/]/).filter(Boolean).pop() ?? p.dir;
      setImportMessage({ ok: true, text: [`Imported ${p.name} (#${p.contentHash.slice(0, 12)}) into models/${folder}.`, ...p.notes].join(' ') });
      setPackageFile('');
      setPackageHash(p.contentHash);
      reloadCatalog();
    } catch (err) {
      setImportMessage({ ok: false, text: errorMessage(err) });
    }
  };
  const predict = useJob<PredictionResult>();
  // Deleting a version: the question under it (by its folder), then the notice with Undo.
  const [asking, setAsking] = useState<string | null>(null);
  /** The version whose "Export…" field is open (by its folder). */
  const [exporting, setExporting] = useState<string | null>(null);
  const [deleted, setDeleted] = useState<{ undoId: string; message: string; chosen: string | null } | null>(null);
  const [undone, setUndone] = useState<string | null>(null);
  /** The class the per-image strip shows, as the user chose it for one model. */
  const [stripClass, setStripClass] = useState<{ modelHash: string; index: number } | null>(null);

  // The chosen package stays while the catalog lists it; otherwise the first one is chosen.
  useEffect(() => {
    if (!catalog) return;
    if (catalog.packages.length && !catalog.packages.some((p) => p.contentHash === packageHash)) setPackageHash(catalog.packages[0].contentHash);
    if (!catalog.packages.length) setPackageHash(null);
  }, [catalog]);
  useEffect(() => {
    if (latency.result) reloadCatalog();
  }, [latency.result, reloadCatalog]);
  // A package trained in the Training tab is listed as soon as its run ends, without a reload.
  useEffect(() => lumen.on('job.finished', (p) => p.kind === 'training' && reloadCatalog()), [reloadCatalog]);

  const rows = current?.rows ?? 0;
  const columns = current?.columns ?? 0;
  // The suggestion depends on the catalog's measured latencies: asked again when it reloads.
  const recommend = useRequest('models.recommend', { rows, columns, budgetMs: Math.max(1, budget) }, { enabled: rows > 0 && columns > 0 && catalog !== null });
  const reloadRecommend = recommend.reload;
  const firstCatalog = useRef(true);
  useEffect(() => {
    if (!catalog) return;
    if (firstCatalog.current) firstCatalog.current = false;
    else reloadRecommend();
  }, [catalog, reloadRecommend]);
  const recommendation: Recommendation | null = rows > 0 && columns > 0 ? recommend.data : null;

  // A stored prediction of this package on this series comes back when the series is reopened.
  const seriesUid = current?.seriesInstanceUid ?? null;
  const shown = result !== null && result.modelHash === packageHash && result.images.some((i) => i.seriesInstanceUid === seriesUid);
  const latest = useRequest('predict.latest', { packageHash: packageHash ?? '', seriesInstanceUid: seriesUid ?? '' }, { enabled: packageHash !== null && seriesUid !== null && !shown });
  useEffect(() => {
    if (latest.data) setResult(latest.data);
  }, [latest.data, setResult]);
  // A study run cancelled part-way stored the series it scored whole: the open one may be among them.
  const reloadLatest = latest.reload;
  useEffect(() => {
    if (predict.cancelled) reloadLatest();
  }, [predict.cancelled, reloadLatest]);
  // A run's result is shown only while its package and a series it covers are the ones chosen: one
  // that ends after the user chose another package (or series) would show its scores under that
  // choice. It is kept in the library, so choosing them again brings it back (predict.latest).
  useEffect(() => {
    const r = predict.result;
    if (r && r.modelHash === packageHash && r.images.some((i) => i.seriesInstanceUid === seriesUid)) setResult(r);
  }, [predict.result, setResult]);
  // A failed or cancelled prediction was about the series it ran on: its message goes with it.
  const clearPredict = predict.clear;
  const predictDone = !predict.running && (predict.error !== null || predict.cancelled);
  useEffect(() => {
    if (predictDone) clearPredict();
  }, [seriesUid]);

  const run = () => {
    if (!current || !packageHash) return;
    void predict.start(() =>
      lumen.invoke('predict.run', {
        packageHash,
        scope,
        seriesInstanceUid: current.seriesInstanceUid,
        ...(scope === 'image' ? { sopInstanceUid: current.sopInstanceUid, frame: current.frame } : {}),
      }),
    );
  };

  const pkg = catalog?.packages.find((p) => p.contentHash === packageHash) ?? null;
  /** One package in the Classifier list (a radio); an earlier version says which and its key metric; "Export…" and "Delete…" open under it. */
  const packageChoice = (p: NonNullable<typeof catalog>['packages'][number], ownerName: string, earlier: NonNullable<typeof catalog>['packages']) => (
    <div key={p.dir} className="package-item">
      <label className={`package${p.contentHash === packageHash ? ' active' : ''}`} title={p.trainingDomain ? `Trained on:\n${p.trainingDomain.join('\n')}` : undefined}>
        <input type="radio" name="package" checked={p.contentHash === packageHash} onChange={() => (setPackageHash(p.contentHash), setResult(null))} />
        <span>
          <span className="strong">{p.earlierVersionOf ? `version ${p.version ?? 1}` : <Name text={p.name} />}</span>
          {!p.earlierVersionOf && p.version !== undefined && <span className="muted"> · version {p.version}</span>}
          <span className="muted"> · {variantDisplayName(p.variant)} · {p.inputSize}px · {p.classNames.length} classes</span>
          <span className="muted mono hash" title={p.contentHash}>#{p.contentHash.slice(0, 12)}</span>
          {/* Two runs of one task differ by hash and by when they were made: the date tells which is the newer. */}
          {p.createdAt && <span className="muted small package-made" data-testid="package-made">made {formatDateTime(p.createdAt)}</span>}
          {p.version !== undefined && <span className="muted small" data-testid="package-metric">{keyMetricText(p.metrics)}</span>}
          {p.domainSummary && <span className="muted small package-domain" data-testid="package-domain">{p.domainSummary}</span>}
        </span>
      </label>
      {asking !== p.dir && exporting !== p.dir && (
        <span className="package-actions">
          {/* Exporting only reads the package: offered on a read-only disk too. */}
          <button type="button" className="link-button package-export" aria-label={`Export ${versionName(p, ownerName)}…`} onClick={() => setExporting(p.dir)} data-testid="package-export-open">
            Export…
          </button>
          <button type="button" className="link-button package-delete" aria-label={`Delete ${versionName(p, ownerName)}…`} onClick={() => (setAsking(p.dir), setUndone(null))} data-testid="package-delete" {...readOnlyControl(catalog?.packagesReadOnly ?? null)}>
            Delete…
          </button>
        </span>
      )}
      {exporting === p.dir && <ExportQuestion pkg={p} ownerName={ownerName} onClose={() => setExporting(null)} />}
      {asking === p.dir && (
        <DeleteQuestion
          pkg={p}
          ownerName={ownerName}
          earlier={earlier}
          onCancel={() => setAsking(null)}
          onDeleted={(done) => {
            setAsking(null);
            setDeleted({ ...done, chosen: packageHash });
            reloadCatalog();
          }}
        />
      )}
    </div>
  );
  const imageScores = result && current ? result.images.find((i) => i.sopInstanceUid === current.sopInstanceUid && i.frame === current.frame) : undefined;
  const seriesSummary = result && current ? result.series.find((s) => s.seriesInstanceUid === current.seriesInstanceUid) : undefined;
  const seriesImages = result && current ? result.images.filter((i) => i.seriesInstanceUid === current.seriesInstanceUid) : [];
  const classNames = result?.classNames ?? pkg?.classNames ?? [];
  const lastClass = Math.max(0, classNames.length - 1);
  // The strip's class: the user's choice for this model, else its positive class (not a "normal"-type one).
  const positive = Math.min(stripClass && stripClass.modelHash === result?.modelHash ? stripClass.index : positiveClassIndex(classNames), lastClass);
  const imageTop = topClassIndex(imageScores?.scores);
  const heatClass = heatmap.classIndex === null ? null : Math.min(heatmap.classIndex, lastClass);

  return (
    <aside className="panel model-panel" aria-label="Models and predictions">
      <header className="panel-header">
        <h2>Model package</h2>
        <button className="icon-button" title="Reload models: read the models folder again" onClick={reloadCatalog}>
          <span aria-hidden="true">⟳</span>
          <span className="visually-hidden">Reload models</span>
        </button>
      </header>
      {catalogError && <div className="banner error" role="alert">{catalogError}</div>}
      {!catalog && !catalogError && <p className="muted pad">Counting the EfficientNet family…</p>}
      {catalog && catalog.packages.length === 0 && (
        <div className="notice" data-testid="no-classifier">
          <strong>No classifier installed.</strong> Lumen shows predictions only from a model package you trained or imported — never made-up ones.
          {catalog.packagesReadOnly ? (
            <p className="small" data-testid="no-classifier-read-only">No package can be added here: {catalog.packagesReadOnly}. To train or add one, choose a data folder on a writable disk in Settings.</p>
          ) : (
            <ul>
              <li>
                Train one on your labelled studies:{' '}
                <button className="link-button" onClick={props.onTrain}>open Training</button> (or <span className="mono">lumen train</span>)
              </li>
              <li>Or import a package: copy its folder (or unpack a <span className="mono">.lumenpkg</span>) into <span className="mono">{catalog.packagesDir}</span>, then reload.</li>
            </ul>
          )}
        </div>
      )}
      {deleted && (
        <DeletedNotice
          done={deleted}
          onUndone={(message) => {
            // The package chosen before the delete is chosen again once it is back.
            if (deleted.chosen) setPackageHash(deleted.chosen);
            setDeleted(null);
            setUndone(message);
            reloadCatalog();
          }}
          onDismiss={() => setDeleted(null)}
        />
      )}
      {undone && <p className="muted small pad" role="status" data-testid="package-undone">{undone}</p>}
      {/* This session's other deletions: Undo is still offered after a reload or a dismissed notice. */}
      <RecentlyDeleted
        except={deleted?.undoId ?? null}
        onUndone={(message) => {
          setUndone(message);
          reloadCatalog();
        }}
      />
      {catalog && catalog.packages.length > 0 && (
        <fieldset className="packages">
          <legend className="visually-hidden">Model package</legend>
          {groupVersions(catalog.packages).map(({ pkg: p, earlier }) => (
            <div key={p.dir} className="package-versions">
              {packageChoice(p, p.earlierVersionOf ? (p.earlierVersionOf.split(/[/\\]/).pop() ?? p.name) : p.name, earlier)}
              {/* A training run that reused this name kept the earlier packages: each can be chosen and run. */}
              {earlier.length > 0 && (
                <details className="versions" data-testid="package-versions">
                  <summary>{earlier.length} earlier {earlier.length === 1 ? 'version' : 'versions'} of <Name text={p.name} /></summary>
                  {earlier.map((v) => packageChoice(v, p.name, []))}
                </details>
              )}
            </div>
          ))}
        </fieldset>
      )}
      {catalog && (
        <form
          className="package-import"
          onSubmit={(e) => {
            e.preventDefault();
            if (!catalog.packagesReadOnly) void importPackage();
          }}
        >
          <label htmlFor="package-file" className="field-label">Import a model package (.lumenpkg)</label>
          {/* The models folder on a read-only disk (the data folder may lie elsewhere than the library): disabled, saying why, as the study browser's Import. */}
          <div className="row">
            <input id="package-file" className="text-input" placeholder="/path/to/model.lumenpkg" value={packageFile} onChange={(e) => setPackageFile(e.target.value)} spellCheck={false} {...readOnlyControl(catalog.packagesReadOnly ?? null)} />
            <button type="submit" className="text-button" disabled={!packageFile.trim()} aria-label="Import package" {...readOnlyControl(catalog.packagesReadOnly ?? null)}>
              Import
            </button>
          </div>
          {catalog.packagesReadOnly && (
            <p className="muted small" role="note" data-testid="package-import-read-only">
              No package can be imported: {catalog.packagesReadOnly}.
            </p>
          )}
          {importMessage && <div className={importMessage.ok ? 'muted small' : 'banner error'} role={importMessage.ok ? 'status' : 'alert'}>{importMessage.text}</div>}
        </form>
      )}
      {catalog?.interrupted && catalog.interrupted.length > 0 && (
        <details className="interrupted-runs" data-testid="interrupted-runs">
          <summary>{runsSummary(catalog.interrupted)} in the models folder</summary>
          <ul>
            {catalog.interrupted.map((r) => (
              <li key={r.dir}>
                <strong><Name text={r.name} /></strong>: {r.running ? `still training (process ${r.pid}), ` : ''}epoch {r.epoch}{r.epochs ? ` of ${r.epochs}` : ''} done{r.startedAt ? `, started ${formatDateTime(r.startedAt)}` : ''}.{' '}
                {r.running ? 'It can be resumed or discarded once that run stops.' : <>To resume, {r.resume}. To discard it: <span className="mono">{r.discard}</span></>}
              </li>
            ))}
          </ul>
        </details>
      )}
      {catalog && catalog.problems.length > 0 && (
        <details className="problems">
          <summary>{catalog.problems.length} folder(s) in the models folder are not usable packages</summary>
          <ul>{catalog.problems.map((p) => <li key={p.dir}>{p.message}</li>)}</ul>
        </details>
      )}
      {pkg && (
        <div className="predict-row">
          <label className="visually-hidden" htmlFor="scope">Predict on</label>
          <select id="scope" value={scope} onChange={(e) => setScope(e.target.value as PredictScope)} aria-label="Predict on">
            <option value="image">This image</option>
            <option value="series">This series</option>
            <option value="study">Whole study</option>
          </select>
          <button className="primary-button" onClick={run} disabled={!current || predict.running} title="Run the classifier" data-testid="run-prediction">
            Run
          </button>
        </div>
      )}
      {predict.running && <Progress label="Prediction" fraction={predict.fraction} message={predict.message} onCancel={predict.cancel} />}
      {predict.error && <div className="banner error" role="alert">Prediction failed: {predict.error}</div>}
      {/* A study stopped part-way says which series it kept (their scores are stored and shown). */}
      {predict.cancelled && <p className="muted pad" role="status">{predict.message.startsWith('Cancelled:') ? predict.message : 'Prediction cancelled.'}</p>}

      {result && classNames.length > 0 && (
        <section className="results" aria-label="Prediction results">
          {/* A run on a library on a read-only disk: shown, not stored (the engine keeps it until it stops). */}
          {result.stored === false && result.note && (
            <p className="banner" role="status" data-testid="result-not-stored">
              {result.note}
            </p>
          )}
          <h3>This image</h3>
          {imageScores ? <ScoreBars classNames={classNames} scores={imageScores.scores} testId="image-scores" /> : <p className="muted">Not predicted yet — run on this image or series.</p>}
          {imageScores && <ImageUncertainty image={imageScores} result={result} />}
          {imageScores && result.trainingDomain === 'unknown' && (
            <p className="muted small" data-testid="domain-unknown" title="This model package records no training data (it was made before Lumen recorded it, or elsewhere), so no image is checked against it.">
              Training domain unknown
            </p>
          )}
          {seriesSummary && (
            <>
              <h3>
                Series ({seriesSummary.images} {seriesSummary.images === 1 ? 'image' : 'images'},
                <select aria-label="Series summary" value={summary} onChange={(e) => setSummary(e.target.value as 'mean' | 'max')} className="inline-select">
                  <option value="mean">mean</option>
                  <option value="max">max</option>
                </select>
                )
              </h3>
              <ScoreBars classNames={classNames} scores={seriesSummary[summary]} testId="series-scores" />
              <label className="strip-class muted small">
                Per image:{' '}
                <select aria-label="Score per image" className="inline-select" value={positive} onChange={(e) => setStripClass({ modelHash: result.modelHash, index: Number(e.target.value) })} data-testid="strip-class">
                  {classNames.map((c, i) => <option key={c} value={i}>{c}</option>)}
                </select>
              </label>
              <div className="strip" role="group" aria-label={`${classNames[positive]} score per image`}>
                {seriesImages.map((img) => (
                  <button
                    key={`${img.sopInstanceUid}/${img.frame}`}
                    className={`strip-bar${current && img.sopInstanceUid === current.sopInstanceUid && img.frame === current.frame ? ' current' : ''}`}
                    style={{ height: `${Math.max(4, img.scores[positive] * 100)}%` }}
                    title={`${(img.scores[positive] * 100).toFixed(1)}% ${classNames[positive]}${typeof img.uncertainty === 'number' ? ` ± uncertainty ${img.uncertainty.toFixed(2)}` : ''}`}
                    aria-label={`Go to image with ${(img.scores[positive] * 100).toFixed(0)}% ${classNames[positive]}`}
                    onClick={() => props.onPickImage(img.sopInstanceUid, img.frame)}
                  />
                ))}
              </div>
            </>
          )}
          {current && <SeriesAttention result={result} seriesInstanceUid={current.seriesInstanceUid} current={current} onPickImage={props.onPickImage} />}
          {/* The model line and the heatmap belong to a series this result covers, not to one not predicted yet. */}
          {(imageScores || seriesSummary) && (
            <>
              <p className="muted small" data-testid="result-model">
                Model <Name text={result.modelName} /> #{result.modelHash.slice(0, 12)} · {formatDateTime(result.createdAt)}
                {catalog && !catalog.packages.some((p) => p.contentHash === result.modelHash) && ' · this package was deleted; its stored scores stay in the library'}
              </p>
              <h3>Heatmap</h3>
              <div className="heat-controls">
                <label className="check">
                  <input type="checkbox" checked={heatmap.visible} onChange={(e) => setHeatmap({ ...heatmap, visible: e.target.checked })} data-testid="heatmap-toggle" />
                  Show (H)
                </label>
                <select aria-label="Heatmap class" value={heatClass === null ? 'top' : heatClass} onChange={(e) => setHeatmap({ ...heatmap, classIndex: e.target.value === 'top' ? null : Number(e.target.value) })}>
                  {/* First: follow each image's top class as the user scrolls; a class picked below stays. */}
                  <option value="top">{imageTop !== null ? heatmapLabel(classNames[imageTop], true) : 'Top class'}</option>
                  {classNames.map((c, i) => <option key={c} value={i}>{c}</option>)}
                </select>
                <select aria-label="Colormap" value={heatmap.colormap} onChange={(e) => setHeatmap({ ...heatmap, colormap: e.target.value as Colormap })}>
                  <option value="jet">Jet</option>
                  <option value="hot">Hot</option>
                </select>
                <label className="slider">
                  Opacity
                  <input type="range" min={0} max={100} value={Math.round(heatmap.opacity * 100)} aria-label="Heatmap opacity" data-testid="heatmap-opacity" onChange={(e) => setHeatmap({ ...heatmap, opacity: Number(e.target.value) / 100 })} />
                </label>
              </div>
              {props.heatmapNote && <p className="muted small" role="note" data-testid="heatmap-note">{props.heatmapNote}</p>}
            </>
          )}
        </section>
      )}

      <header className="panel-header sub">
        <h2>EfficientNet family</h2>
      </header>
      {catalog && (
        <p className="muted small pad" data-testid="runtime">
          Run and latency: <span data-testid="run-runtime">{catalog.runtime.run}</span> · TF.js {catalog.runtime.tfBackend ?? 'not started'} · ONNX Runtime {catalog.runtime.onnxProviders.join(', ')}
        </p>
      )}
      {recommendation && (
        <div className="recommendation" data-testid="recommendation">
          <div className="row">
            <label htmlFor="budget">Budget per image</label>
            <input id="budget" className="text-input narrow" type="number" min={1} value={budget} onChange={(e) => setBudget(Number(e.target.value) || 1)} />
            <span className="muted">ms</span>
          </div>
          <p>
            <strong>Suggested: {recommendation.variant.toUpperCase()}</strong> — {recommendation.reason}
          </p>
        </div>
      )}
      {latency.running && <Progress label="Latency measurement" fraction={latency.fraction} message={latency.message} onCancel={latency.cancel} />}
      {latency.error && <div className="banner error" role="alert">{latency.error}</div>}
      {catalog && (
        <table className="variants" aria-label="EfficientNet variants">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Input</th>
              <th scope="col">Params</th>
              <th scope="col">MACs</th>
              <th scope="col">Emb</th>
              <th scope="col" title={`Batch 1, measured on ${catalog.runtime.run}, the runtime Run uses`}>Latency</th>
            </tr>
          </thead>
          <tbody>
            {catalog.variants.map((v) => (
              <tr
                key={v.name}
                className={`${variant === v.name ? 'chosen' : ''}${recommendation?.variant === v.name ? ' recommended' : ''}`}
                onClick={() => setVariant(v.name)}
                aria-selected={variant === v.name}
                data-testid={`variant-${v.name}`}
              >
                <td>
                  <label className="check">
                    <input type="radio" name="variant" checked={variant === v.name} onChange={() => setVariant(v.name)} aria-label={`Choose ${v.name.toUpperCase()}`} />
                    {v.name.toUpperCase()}
                  </label>
                </td>
                <td>{v.resolution}</td>
                <td>{compact(v.params)}</td>
                <td>{(v.macs / 1e9).toFixed(2)} G</td>
                <td>{v.embeddingDim}</td>
                <td>
                  {v.latencyMs !== null ? (
                    <span title={`${v.latencyRuntime}, ${v.measuredAt}`} data-testid={`latency-${v.name}`} data-runtime={v.latencyRuntime ?? ''}>{v.latencyMs} ms</span>
                  ) : (
                    <button className="link-button" disabled={latency.running} onClick={(e) => (e.stopPropagation(), void latency.start(() => lumen.invoke('models.measureLatency', { variant: v.name })))} aria-label={`Measure ${v.name.toUpperCase()} latency`}>
                      measure
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {variant && (
        <p className="pad small" data-testid="chosen-variant">
          Chosen for the next classifier: <strong>{variant.toUpperCase()}</strong>
          {recommendation && recommendation.variant !== variant ? ` (suggested ${recommendation.variant.toUpperCase()})` : ''}
        </p>
      )}
    </aside>
  );
}

/** "1 interrupted training run", "2 training runs in progress", or both. */
function runsSummary(runs: { running?: boolean }[]): string {
  const running = runs.filter((r) => r.running).length;
  const stopped = runs.length - running;
  const parts = [stopped ? `${stopped} interrupted training run${stopped === 1 ? '' : 's'}` : '', running ? `${running} training run${running === 1 ? '' : 's'} in progress` : ''];
  return parts.filter(Boolean).join(' and ');
}
