import { useEffect, useState } from 'react';
import { About } from './About';
import { lumen } from './api';
import { useRequest } from './useRequest';

export function App() {
  const info = useRequest('app.info', {});
  const [aboutOpen, setAboutOpen] = useState(false);

  useEffect(() => {
    const off = lumen.on('menu.command', ({ command }) => {
      if (command === 'about') setAboutOpen(true);
    });
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F1') {
        e.preventDefault();
        setAboutOpen((open) => !open);
      }
      if (e.key === 'Escape') setAboutOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      off();
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand" aria-label="Lumen">
          <span className="brand-mark" aria-hidden="true">◐</span> Lumen
        </span>
        <span className="spacer" />
        <button className="text-button" onClick={() => setAboutOpen(true)} title="About Lumen (F1)">
          About
        </button>
      </header>
      <main className="workspace">
        {info.error ? (
          <div className="banner error" role="alert">
            The engine did not answer: {info.error}
          </div>
        ) : (
          <div className="empty-state">
            <h1>No studies yet</h1>
            <p>Open a folder of DICOM files to start.</p>
          </div>
        )}
      </main>
      <footer className="statusbar" aria-live="polite">
        <span data-testid="status-backend">
          {info.loading ? 'Starting engine…' : info.data ? `Engine: ${info.data.engine.activeBackend ?? 'no backend'}` : 'Engine unavailable'}
        </span>
        <span className="spacer" />
        <span>{info.data ? `Lumen ${info.data.version}` : ''}</span>
      </footer>
      {aboutOpen && info.data && <About info={info.data} onClose={() => setAboutOpen(false)} />}
    </div>
  );
}
