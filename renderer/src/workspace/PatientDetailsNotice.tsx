import { useEffect, useState } from 'react';
import type { PatientDetailsCheck } from '../../../common/contract/library';
import { lumen } from '../api';

// A library imported before each series kept its own patient details has them read once from
// its files when the engine opens it (electron/library/series-patients.ts). While that runs, the
// list says so; when it finds files with another patient's name, birth date or sex under one
// Patient ID, it says how many once, and the list (refreshed) marks their studies with ⚠.

const POLL_MS = 500;

const files = (n: number) => `${n} ${n === 1 ? 'file' : 'files'}`;

/** `onRead` is called once the read has ended having found some, so that the study list shows them. */
export function PatientDetailsNotice({ onRead }: { onRead: () => void }) {
  const [check, setCheck] = useState<PatientDetailsCheck | null>(null);
  const [dismissed, setDismissed] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = () =>
      lumen.invoke('library.patientDetailsCheck', {}).then(
        (now) => {
          if (!live) return;
          setCheck(now);
          if (now?.running) timer = setTimeout(ask, POLL_MS);
          else if (now && now.conflicts > 0) onRead(); // nothing found: the list is as it was
        },
        () => undefined, // the study list reports a library that cannot be opened
      );
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Once per mount: the read runs once per library.
  }, []);

  if (!check || dismissed) return null;
  if (check.running) {
    return (
      <div className="banner" role="status" data-testid="patient-details-check">
        Reading each series&apos; patient details from its files, once, for a library imported by an older Lumen
        {check.total > 0 ? `: ${check.done} of ${check.total} series` : '…'}
      </div>
    );
  }
  if (check.conflicts === 0 && check.skipped === 0) return null;
  return (
    <div className={`banner${check.conflicts > 0 ? ' warning' : ''}`} role="status" data-testid="patient-details-check">
      {check.conflicts > 0 && (
        <>
          Read once from each series&apos; files: {files(check.conflicts)} {check.conflicts === 1 ? 'gives' : 'give'} another Patient ID, name, birth date or sex than
          the library held for the patient {check.conflicts === 1 ? 'its study is' : 'their studies are'} filed under. {check.conflicts === 1 ? 'Its study is' : 'Their studies are'} marked ⚠ below: check that they are the same patient.{' '}
        </>
      )}
      {check.skipped > 0 && <>{files(check.skipped)} could not be read for this (gone or changed since import): import them again to check them. </>}
      <button type="button" className="link-button" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
