// "Get ImageNet weights": import Keras' EfficientNet .h5 files from disk (typed path, as the
// package import), or download the published file when the user asks, with progress. What
// is imported is listed with the result of its hash check.
import { useEffect, useState } from 'react';
import { IMAGENET_VARIANT_NAMES, type ImagenetWeights } from '../../../common/contract/settings';
import type { RequestOutput } from '../../../common/contract';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import { useJob } from '../workspace/useJob';

type Variant = (typeof IMAGENET_VARIANT_NAMES)[number];

/** Approximate sizes of Keras' notop files, to say what a download costs before it starts. */
const NOTOP_MB: Record<Variant, number> = { b0: 16, b1: 27, b2: 31, b3: 44, b4: 71, b5: 116, b6: 166, b7: 258 };

export function WeightsDialog({ onClose, onChanged }: { onClose: () => void; onChanged: () => void }) {
  const dialog = useModalDialog<HTMLElement>(onClose);
  const [list, setList] = useState<RequestOutput<'weights.list'> | null>(null);
  const [file, setFile] = useState('');
  const [variant, setVariant] = useState<Variant | ''>('');
  const [downloadVariant, setDownloadVariant] = useState<Variant>('b0');
  const job = useJob<ImagenetWeights>();
  const refresh = () => void lumen.invoke('weights.list', {}).then(setList, () => setList(null));
  useEffect(refresh, []);
  useEffect(() => {
    if (job.result) {
      refresh();
      onChanged();
    }
  }, [job.result]);

  const published = list?.published.find((p) => p.variant === downloadVariant);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal weights-dialog" role="dialog" aria-modal="true" aria-labelledby="weights-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header" role="none">
          <h2 id="weights-title">Get ImageNet weights</h2>
          <button className="icon-button" title="Close (Esc)" onClick={onClose} data-autofocus>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        <p className="muted">
          A head trained on an EfficientNet needs the backbone&apos;s ImageNet weights: Keras publishes them as
          efficientnetb0_notop.h5 … efficientnetb7_notop.h5. Lumen checks a file by its layers, compares it with the
          published hash, and keeps it in the data folder. Nothing leaves this machine.
        </p>

        <h3>Imported</h3>
        {list && list.imported.length === 0 && <p className="muted" data-testid="weights-none">None yet.</p>}
        {list && list.imported.length > 0 && (
          <table className="backend-table" aria-label="Imported ImageNet weights">
            <tbody>
              {list.imported.map((w) => (
                <tr key={w.variant} className={w.published ? 'ok' : 'missing'}>
                  <td>{w.published ? '✓' : '!'}</td>
                  <td className="strong">EfficientNet-{w.variant.toUpperCase()}</td>
                  <td>
                    {w.file}
                    <div className="muted small">{w.published ? `the published ${w.published}` : 'not the published file: its hash differs (your own or a changed copy)'}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h3>Import a file from this machine</h3>
        <form
          className="weights-import"
          onSubmit={(e) => {
            e.preventDefault();
            void job.start(() => lumen.invoke('weights.import', { file: file.trim(), ...(variant ? { variant } : {}) }), 'Checking the file…');
          }}
        >
          <div className="row">
            <label htmlFor="weights-file" className="visually-hidden">Keras weights file (.h5)</label>
            <input id="weights-file" className="text-input" placeholder="/path/to/efficientnetb0_notop.h5" value={file} onChange={(e) => setFile(e.target.value)} spellCheck={false} />
            <label htmlFor="weights-variant" className="visually-hidden">Variant</label>
            <select id="weights-variant" value={variant} onChange={(e) => setVariant(e.target.value as Variant | '')}>
              <option value="">variant from the file</option>
              {IMAGENET_VARIANT_NAMES.map((v) => <option key={v} value={v}>{v.toUpperCase()}</option>)}
            </select>
            {lumen.shell === 'electron' && (
              <button
                type="button"
                className="text-button"
                onClick={() => void lumen.invoke('dialog.openFile', { kind: 'kerasWeights' }).then(({ path }) => path && setFile(path))}
              >
                Choose…
              </button>
            )}
            <button type="submit" className="text-button" disabled={!file.trim() || job.running}>Import</button>
          </div>
        </form>

        <h3>Download (needs internet)</h3>
        <div className="row">
          <label htmlFor="weights-download-variant" className="visually-hidden">Variant to download</label>
          <select id="weights-download-variant" value={downloadVariant} onChange={(e) => setDownloadVariant(e.target.value as Variant)}>
            {IMAGENET_VARIANT_NAMES.map((v) => <option key={v} value={v}>{v.toUpperCase()}</option>)}
          </select>
          <button type="button" className="text-button" disabled={job.running} onClick={() => void job.start(() => lumen.invoke('weights.download', { variant: downloadVariant }), 'Connecting…')}>
            Download
          </button>
          {job.running && (
            <button type="button" className="text-button" onClick={job.cancel}>Cancel</button>
          )}
        </div>
        {published && (
          <p className="muted small">
            Downloads {published.file} (about {NOTOP_MB[downloadVariant]} MB) from <span className="mono">{new URL(published.url).host}</span> when you press Download; an
            interrupted download resumes, and a file whose MD5 is not the published {published.md5.slice(0, 8)}… is deleted.
          </p>
        )}

        {(job.running || job.message) && (
          <div className="weights-progress" role="status">
            {job.running && <progress max={1} value={job.fraction ?? undefined} />}
            <div className={job.error ? 'bad' : job.result ? '' : 'muted'}>
              {job.error ?? (job.result ? `EfficientNet-${job.result.variant.toUpperCase()} ImageNet weights are ready. ${job.result.check}.` : job.message)}
            </div>
          </div>
        )}
      </section>
    </div>
  );
}
