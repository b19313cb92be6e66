import type { AppInfo } from '../../common/contract';
import { packageFormatsText } from '../../common/package-formats';
import { useModalDialog } from './useModalDialog';

export function About({ info, onClose }: { info: AppInfo; onClose: () => void }) {
  const { engine } = info;
  const dialog = useModalDialog<HTMLElement>(onClose);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal" role="dialog" aria-modal="true" aria-labelledby="about-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header" role="none">
          <h2 id="about-title">About {info.name}</h2>
          <button className="icon-button" title="Close (Esc)" onClick={onClose}>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        <dl className="facts">
          <dt>Version</dt>
          <dd data-testid="about-version">{info.version}</dd>
          <dt>Library schema</dt>
          <dd data-testid="about-library-schema">version {info.librarySchema}</dd>
          <dt>Model package formats</dt>
          <dd data-testid="about-package-format">{packageFormatsText(info)}</dd>
          <dt>Running in</dt>
          <dd>{info.shell === 'electron' ? 'Desktop app' : 'Browser (lumen serve)'} · {info.platform}</dd>
          <dt>Inference backend</dt>
          <dd data-testid="about-backend">{engine.activeBackend ?? 'none available'}</dd>
          <dt>ONNX Runtime</dt>
          <dd>
            {engine.onnxruntime.version ?? 'not loaded'}
            {' · '}
            {engine.onnxruntime.providers.filter((p) => p.available).map((p) => p.name).join(', ') || 'no provider'}
          </dd>
          <dt>Data folder</dt>
          <dd className="mono">{info.dataDir}</dd>
        </dl>
        <h3>Backends on this machine</h3>
        <table className="backend-table">
          <tbody>
            {engine.backends.map((b) => (
              <tr key={b.name} className={b.available ? 'ok' : 'missing'}>
                <td>{b.available ? '✓' : '✗'}</td>
                <td>{b.name}{b.name === engine.activeBackend ? ' (active)' : ''}</td>
                <td>{b.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="disclaimer">
          Lumen is a research tool. It is not a medical device and is not intended for diagnosis. No image leaves this
          machine.
        </p>
      </section>
    </div>
  );
}
