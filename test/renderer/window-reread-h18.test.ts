// "Full range" after the image shown is read again from a file changed in place (task H, session
// 18; T's note in session 17: W 846 kept where a fresh page shows the new file's W 844). The
// viewer's window rule (renderer/src/viewer/window.ts) on frames as the engine sends them; the
// on-screen check is test/e2e/viewer-full-range-reread-h18.test.ts.
import { describe, expect, it } from 'vitest';
import type { ViewerFrame } from '../../common/contract/library';
import { defaultWindow, nextImageWindow, rereadImageWindow } from '../../renderer/src/viewer/window';

const frame = (range: [number, number], windows: ViewerFrame['windows'] = []): ViewerFrame =>
  ({ sopInstanceUid: '1.2.3', frame: 0, rows: 4, columns: 4, samplesPerPixel: 1, dtype: 'int16', photometric: 'MONOCHROME2', voiFunction: 'LINEAR', range, windows }) as unknown as ViewerFrame;

describe('the first preset of an image read again', () => {
  const before = frame([-1000, 800]);
  const after = frame([-1000, 600]);
  const shown = defaultWindow(before);

  it("is the new file's full range, not the old one", () => {
    // What the next image of the series would keep (one scale carried): the old file's range.
    expect(nextImageWindow(after, 'file', shown)).toEqual(shown);
    expect(rereadImageWindow(before, after, 'file', shown)).toEqual(defaultWindow(after));
    expect(defaultWindow(after)).not.toEqual(shown);
  });

  it('keeps a window the user chose, and the window of values that did not change', () => {
    const chosen = { center: 40, width: 400 };
    expect(rereadImageWindow(before, after, 'custom', chosen)).toEqual(chosen);
    expect(rereadImageWindow(before, after, 'ct-abdomen', chosen)).toEqual(chosen);
    // The same values read again (the frame decoded anew): the scale in force stays.
    const carried = { center: 0, width: 3000 };
    expect(rereadImageWindow(before, frame([-1000, 800]), 'file', carried)).toEqual(carried);
    // A file that now has its own window: that window, as for any image.
    const own = frame([-1000, 600], [{ id: 'file-1', name: 'File window', center: 50, width: 350 }] as ViewerFrame['windows']);
    expect(rereadImageWindow(before, own, 'file', shown)).toEqual({ center: 50, width: 350 });
  });
});
