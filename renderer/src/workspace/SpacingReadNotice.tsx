import { useState } from 'react';
import { files, useLibraryCheck } from './useLibraryCheck';

// A library imported before Lumen read Imager Pixel Spacing (CR, DX and other projection X-rays)
// or ultrasound regions has those images' spacing and regions read once from their files after
// the engine opens it (electron/library/imager-spacing.ts: one pass for both), a batch at a time:
// the app answers meanwhile, and a series opened in the viewer or exported has its own read
// first. While that runs, the list says so; when it ends having found files it could not use,
// it says how many once.

export function SpacingReadNotice() {
  const check = useLibraryCheck('library.spacingCheck');
  const [dismissed, setDismissed] = useState(false);

  if (!check || dismissed) return null;
  if (check.running) {
    return (
      <div className="banner" role="status" data-testid="spacing-check">
        Reading the pixel spacing of X-ray images and the regions of ultrasound images from their files, once, for a library imported by an older Lumen
        {check.total > 0 ? `: ${check.done} of ${check.total} images` : '…'}
      </div>
    );
  }
  if (check.skipped === 0) return null;
  return (
    <div className="banner" role="status" data-testid="spacing-check">
      {files(check.skipped)} could not be read for their pixel spacing or ultrasound regions (gone, changed since import or unreadable): lengths measured on them are exported in pixels until they are imported again.{' '}
      <button type="button" className="link-button" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}
