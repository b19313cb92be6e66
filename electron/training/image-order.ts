// The order training reads labelled images in, from what stays the same when the same images
// come again with new UIDs (a re-export from a PACS, an anonymiser, a converter such as GDCM's
// gdcmimg, which makes a new SOP Instance UID each time): patient, study date and time,
// accession number, series number and description, instance number, position along the slice
// normal, slice location; the UIDs only break the ties that remain, and then the frame. Every
// split, its batches, augmentations drawn in turn, bootstrap intervals and the uncertainty
// heads' resamples follow this order, so the same images and seed train the same model.

/** The keys of an image that a re-export keeps (null or '' where the file has none). */
export interface ImageOrderKey {
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  seriesNumber: number | null;
  seriesDescription: string;
  instanceNumber: number | null;
  /** Position of the image along its slice normal (mm), as the viewer sorts slices. */
  position: number | null;
  sliceLocation: number | null;
}

export interface OrderedImage {
  /** PatientID (the patient key when the file has none). */
  patient: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frame: number;
  order: ImageOrderKey;
}

function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Unknown numbers after known ones. */
function nullable(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}

/** Compares two images in training order (see the file's comment); code-unit order for text, so that every machine sorts alike. */
export function compareImages(a: OrderedImage, b: OrderedImage): number {
  const x = a.order;
  const y = b.order;
  return (
    text(a.patient, b.patient) ||
    text(x.studyDate, y.studyDate) ||
    text(x.studyTime, y.studyTime) ||
    text(x.accessionNumber, y.accessionNumber) ||
    nullable(x.seriesNumber, y.seriesNumber) ||
    text(x.seriesDescription, y.seriesDescription) ||
    nullable(x.instanceNumber, y.instanceNumber) ||
    nullable(x.position, y.position) ||
    nullable(x.sliceLocation, y.sliceLocation) ||
    text(a.studyInstanceUid, b.studyInstanceUid) ||
    text(a.seriesInstanceUid, b.seriesInstanceUid) ||
    text(a.sopInstanceUid, b.sopInstanceUid) ||
    a.frame - b.frame
  );
}

/** The images in training order (a new array). */
export function inTrainingOrder<T extends OrderedImage>(images: readonly T[]): T[] {
  return [...images].sort(compareImages);
}
