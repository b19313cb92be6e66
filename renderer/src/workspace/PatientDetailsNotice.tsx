import { useState } from 'react';
import { files, useLibraryCheck } from './useLibraryCheck';

// A library imported before each series kept its own patient details has them read once from
// its files when the engine opens it (electron/library/series-patients.ts). While that runs, the
// list says so; when it finds files with another patient's name, birth date or sex under one
// Patient ID, it says how many once, and the list (refreshed) marks their studies with ⚠.

/** `onRead` is called once the read has ended having found some, so that the study list shows them. */
export function PatientDetailsNotice({ onRead }: { onRead: () => void }) {
  // Nothing found: the list is as it was.
  const check = useLibraryCheck('library.patientDetailsCheck', (ended) => ended.conflicts > 0 && onRead());
  const [dismissed, setDismissed] = useState(false);

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
