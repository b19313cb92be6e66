// What a new user sees before any ImageNet weights are imported: what works offline now,
// and the way to the weights. It lives in the viewer's empty state (never over an image);
// Close or Esc dismisses it for good (App keeps that in the settings); opening the PACS tab or
// switching the side panel puts it aside for this page.
import { variantDisplayName } from '../../../common/contract/models';
import { SCRATCH_RESOLUTION, SCRATCH_VARIANT } from '../../../common/training-advice';

export function FirstRunNotice({ onGetWeights, onDismiss }: { onGetWeights: () => void; onDismiss: () => void }) {
  return (
    <section className="first-run" aria-labelledby="first-run-title">
      <button type="button" className="text-button first-run-close" onClick={onDismiss} aria-label="Close the welcome" title="Close (Esc); it does not come back">
        ×
      </button>
      <h2 id="first-run-title">Welcome to Lumen</h2>
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
    </section>
  );
}
