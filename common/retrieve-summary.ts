// What a PACS retrieve did, in the words of the import report (common/import-summary.ts): images
// as the app counts them (common/counts.ts: each frame of a multi-frame instance is an image, and
// the files are named where they are fewer). An instance is one file. Failed instances never
// reached the library, so their frames are not known: they are counted in files, as is what the
// PACS listed. Plain TypeScript: `lumen pacs retrieve` and the PACS tab word a report with it, and
// the C-STORE receiver's totals (`lumen pacs listen`, the PACS tab's receiver) are said the same way.
// Result documents (SR, Parametric Map: filed with their study, electron/library/results.ts) are
// files that hold no image: they are said apart, "3 images and 4 result documents retrieved".

import { countOf, imageCount } from './counts';

/**
 * Files that arrived, in words: `files` instances of which `results` are result documents, the
 * others holding `images` images (frames). "3 images and 4 result documents", "4 result
 * documents", "3 images (1 file)"; without result documents as imageCount says it.
 */
export function filesCount(images: number, files: number, results = 0): string {
  const r = Math.max(0, Math.min(results, files));
  if (r === 0) return imageCount(images, files);
  if (r === files && images === 0) return countOf(r, 'result document');
  return `${imageCount(images, files - r)} and ${countOf(r, 'result document')}`;
}

/** The counts of a retrieve report (electron/pacs/retrieve.ts RetrieveReport) this phrase needs. */
export interface RetrieveCounts {
  /** Instances (files) the PACS listed for the study or series. */
  listed: number;
  received: number;
  /** The images (frames) the received instances hold. */
  receivedImages: number;
  /** Of `received`, the result documents (SR, Parametric Map): files that hold no image. Absent: none. */
  receivedResults?: number;
  alreadyPresent: number;
  /** The images (frames) the instances already in the library hold. */
  alreadyPresentImages: number;
  /** Of `alreadyPresent`, the result documents the library held. Absent: none. */
  alreadyPresentResults?: number;
  failed: number;
  /** Listed instances not fetched because the retrieve stopped first (not failed: running it again fetches them). Absent: none. */
  notFetched?: number;
}

/**
 * "3 images (1 file) retrieved, 1 image already in the library, 1 file failed (of 3 files
 * listed)", "40 images retrieved, 560 files not fetched (of 600 files listed)" (a retrieve that stopped), "3 images and 4 result documents retrieved (of 7 files listed)", "0 images
 * retrieved, 5 images and 3 result documents already in the library (of 8 files listed)": what was retrieved
 * always, what the library held and what failed where there is any.
 */
export function retrieveCountsPhrase(report: RetrieveCounts): string {
  let text = `${filesCount(report.receivedImages, report.received, report.receivedResults)} retrieved`;
  if (report.alreadyPresent) text += `, ${filesCount(report.alreadyPresentImages, report.alreadyPresent, report.alreadyPresentResults)} already in the library`;
  if (report.failed) text += `, ${countOf(report.failed, 'file')} failed`;
  if (report.notFetched) text += `, ${countOf(report.notFetched, 'file')} not fetched`;
  return `${text} (of ${countOf(report.listed, 'file')} listed)`;
}

/** A receiver's totals (electron/pacs/listen.ts Receiver.counts, the app's ReceiverState) this phrase needs. */
export interface ReceiveCounts {
  /** Instances (files) filed into the library. */
  received: number;
  /** The images (frames) the received instances hold. */
  receivedImages: number;
  /** Of `received`, the result documents (SR, Parametric Map): files that hold no image. Absent: none. */
  receivedResults?: number;
  /** Instances refused or not filed: they never reached the library. */
  failed: number;
  refusedAssociations: number;
}

/**
 * "4 images (2 files) received, 1 file failed, 0 associations refused": every count, zeros too (a
 * receiver's standing totals, for `lumen pacs listen`'s last line and the PACS tab's receiver).
 */
export function receiveCountsPhrase(counts: ReceiveCounts): string {
  return `${filesCount(counts.receivedImages, counts.received, counts.receivedResults)} received, ${countOf(counts.failed, 'file')} failed, ${countOf(counts.refusedAssociations, 'association')} refused`;
}
