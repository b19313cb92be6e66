// Result documents (SR, Parametric Map) are files that hold no image (T1-4, s16): the retrieve
// and receiver phrases (common/retrieve-summary.ts, the CLI's and the PACS tab's words) say them
// apart from images, and a count of images never says more images than the files hold.
// test/pacs/retrieve-counts-results.test.ts checks the same words against a real Orthanc.
import { describe, expect, it } from 'vitest';
import { imageCount } from '../../common/counts';
import { filesCount, receiveCountsPhrase, retrieveCountsPhrase } from '../../common/retrieve-summary';

describe('filesCount', () => {
  it('says images and result documents apart, and never more images than there are', () => {
    expect(filesCount(3, 7, 4)).toBe('3 images and 4 result documents');
    expect(filesCount(0, 4, 4)).toBe('4 result documents');
    expect(filesCount(1, 2, 1)).toBe('1 image and 1 result document');
    expect(filesCount(6, 3, 1)).toBe('6 images (2 files) and 1 result document');
    expect(filesCount(3, 3)).toBe('3 images');
    expect(filesCount(0, 0, 0)).toBe('0 images');
    // What a caller that does not know them says: files with images only, as before.
    expect(imageCount(0, 2)).toBe('2 images');
    expect(imageCount(3, 7)).toBe('3 images (7 files)');
    expect(retrieveCountsPhrase({ listed: 7, received: 7, receivedImages: 3, alreadyPresent: 0, alreadyPresentImages: 0, failed: 0 })).toBe('3 images (7 files) retrieved (of 7 files listed)');
    expect(receiveCountsPhrase({ received: 4, receivedImages: 0, receivedResults: 4, failed: 1, refusedAssociations: 0 })).toBe('4 result documents received, 1 file failed, 0 associations refused');
  });

  it('says held result documents apart from held images (s17 A: before, "5 images (8 files) already in the library")', () => {
    expect(retrieveCountsPhrase({ listed: 8, received: 0, receivedImages: 0, receivedResults: 0, alreadyPresent: 8, alreadyPresentImages: 5, alreadyPresentResults: 3, failed: 0 })).toBe(
      '0 images retrieved, 5 images and 3 result documents already in the library (of 8 files listed)',
    );
    expect(retrieveCountsPhrase({ listed: 3, received: 0, receivedImages: 0, alreadyPresent: 3, alreadyPresentImages: 0, alreadyPresentResults: 3, failed: 0 })).toBe('0 images retrieved, 3 result documents already in the library (of 3 files listed)');
  });

  it('says what a stopped retrieve never fetched as not fetched, not failed (H, session 21)', () => {
    // Before: the 560 counted as "560 files failed" though nothing about them failed.
    expect(retrieveCountsPhrase({ listed: 600, received: 40, receivedImages: 40, alreadyPresent: 0, alreadyPresentImages: 0, failed: 0, notFetched: 560 })).toBe(
      '40 images retrieved, 560 files not fetched (of 600 files listed)',
    );
    expect(retrieveCountsPhrase({ listed: 5, received: 2, receivedImages: 2, alreadyPresent: 0, alreadyPresentImages: 0, failed: 1, notFetched: 2 })).toBe('2 images retrieved, 1 file failed, 2 files not fetched (of 5 files listed)');
  });
});
