// What a new user sees before any ImageNet weights are imported: what works offline now,
// and the way to the weights. It lives in the viewer's empty state (never over an image);
// Close or Esc dismisses it for good (App keeps that in the settings); opening the PACS tab or
// switching the side panel puts it aside for this page.
// On a library on a read-only disk (a disc, a read-only share) importing, labelling and training
// cannot work, so the card offers none of them: it says what can be done there and why the rest is off.
import { useEffect, useState } from 'react';
import { variantDisplayName } from '../../../common/contract/models';
import { SCRATCH_RESOLUTION, SCRATCH_VARIANT } from '../../../common/training-advice';
import { readOnlyReason } from '../workspace/libraryAccess';

export function FirstRunNotice({ onGetWeights, onDismiss }: { onGetWeights: () => void; onDismiss: () => void }) {
  // Whether the library can be written, once the engine has said: until then the card waits, rather than offer what may be off.
  const [access, setAccess] = useState<{ readOnly: string | null } | null>(null);
  useEffect(() => {
    let live = true;
    void readOnlyReason().then((readOnly) => live && setAccess({ readOnly }));
    return () => {
      live = false;
    };
  }, []);
  if (!access) return null;
  return (
    <section className="first-run" aria-labelledby="first-run-title">
      <button type="button" className="text-button first-run-close" onClick={onDismiss} title="Close (Esc); it does not come back">
        <span aria-hidden="true">×</span>
        <span className="visually-hidden">Close the welcome</span>
      </button>
      <h2 id="first-run-title">Welcome to Lumen</h2>
      {access.readOnly ? <ReadOnlyWelcome reason={access.readOnly} /> : <Welcome onGetWeights={onGetWeights} />}
    </section>
  );
}

/** What works on a library on a read-only disk: viewing, running an installed package (not stored) and exports. */
function ReadOnlyWelcome({ reason }: { reason: string }) {
  return (
    <>
      <p data-testid="first-run-read-only" title={reason}>
        This library is on a read-only disk, so Lumen opens it for viewing only: nothing can be written into it.
      </p>
      <p>Here you can:</p>
      <ul>
        <li>view its DICOM series (window, zoom, step through the images);</li>
        <li>run an installed model package on a series (Run in the Classifier panel): its scores and heatmaps are shown, not stored;</li>
        <li>export results, tables and de-identified copies (Export results…) to a folder on a writable disk.</li>
      </ul>
      <p>
        Importing, labelling and training write into the library, so they are off here, and so are ImageNet weights, which only training uses.
        To do them, make the disk writable, or choose a data folder on a writable disk in Settings.
      </p>
    </>
  );
}

function Welcome({ onGetWeights }: { onGetWeights: () => void }) {
  return (
    <>
      <p>Everything runs on this machine, offline. Without any download you can already:</p>
      <ul>
        <li>view DICOM series (window, zoom, measure) and import folders, DICOMDIRs and CDs;</li>
        <li>label images, series or studies, by key, by folder or from a CSV;</li>
        <li>train a small network from scratch (in the Training tab: backbone “{variantDisplayName(SCRATCH_VARIANT)}”, mode “From scratch”, resolution {SCRATCH_RESOLUTION}), and transfer it to another task as the backbone of a new run.</li>
      </ul>
      <p>
        Training a head on a large EfficientNet needs its ImageNet weights: on random weights the features are poor.
        Import Keras&apos; efficientnetb0_notop.h5 (or another variant) from disk, or download it when this machine is online.
      </p>
      <button type="button" className="primary-button" onClick={onGetWeights}>Get ImageNet weights…</button>
    </>
  );
}
