// One way of counting, for the UI and the CLI alike. An image is what the viewer steps
// through: each frame of a multi-frame file is an image (a three-frame file is 3 images).
// Where the files that hold them are fewer, the count names them too: "3 images (1 file)".

/** "1 image", "3 images"; `many` where the plural is not the noun and an s ("1 study", "2 studies"). */
export function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Images in words: `images` counts frames (as the study list and the viewer do), `files` the
 * DICOM files holding them where known. "3 images (1 file)" where the files are fewer, else
 * "3 images". A count of files whose frames are not known (0) is said as images, one each.
 * Images fewer than their files (some files hold none: result documents, common/retrieve-summary.ts
 * filesCount says those apart) are never said as more images: "3 images (7 files)".
 */
export function imageCount(images: number, files?: number): string {
  if (files === undefined || images === files) return countOf(images, 'image');
  if (images === 0) return countOf(files, 'image');
  return `${countOf(images, 'image')} (${countOf(files, 'file')})`;
}
