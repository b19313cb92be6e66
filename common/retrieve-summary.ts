// What a PACS retrieve did, in the words of the import report (common/import-summary.ts): images
// as the app counts them (common/counts.ts: each frame of a multi-frame instance is an image, and
// the files are named where they are fewer). An instance is one file. Failed instances never
// reached the library, so their frames are not known: they are counted in files, as is what the
// PACS listed. Plain TypeScript: `lumen pacs retrieve` and the PACS tab word a report with it.

import { countOf, imageCount } from './counts';

/** The counts of a retrieve report (electron/pacs/retrieve.ts RetrieveReport) this phrase needs. */
export interface RetrieveCounts {
  /** Instances (files) the PACS listed for the study or series. */
  listed: number;
  received: number;
  /** The images (frames) the received instances hold. */
  receivedImages: number;
  alreadyPresent: number;
  /** The images (frames) the instances already in the library hold. */
  alreadyPresentImages: number;
  failed: number;
}

/**
 * "3 images (1 file) retrieved, 1 image already in the library, 1 file failed (of 3 files
 * listed)": what was retrieved always, what the library held and what failed where there is any.
 */
export function retrieveCountsPhrase(report: RetrieveCounts): string {
  let text = `${imageCount(report.receivedImages, report.received)} retrieved`;
  if (report.alreadyPresent) text += `, ${imageCount(report.alreadyPresentImages, report.alreadyPresent)} already in the library`;
  if (report.failed) text += `, ${countOf(report.failed, 'file')} failed`;
  return `${text} (of ${countOf(report.listed, 'file')} listed)`;
}
