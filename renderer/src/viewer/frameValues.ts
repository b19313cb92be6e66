// A frame from the engine as the viewer holds it: the Modality LUT applied once (Float32 values,
// relative to the frame's valueBase), the padding mask copied out. No DOM types, so Node tests run
// it (test/renderer/wide-stored-values-viewer.test.ts); image.ts re-exports it.
import { typedView } from '../../../common/binary-message';
import type { ViewerFrame } from '../../../common/contract/library';

export interface LoadedFrame {
  frame: ViewerFrame;
  /** Modality LUT output (HU for CT) less frame.valueBase for grayscale; raw samples for colour (interleaved RGB). */
  values: Float32Array;
  /** Which pixels are padding (common/roi.ts paddingMask, the engine's), or null. */
  paddingMask: Uint8Array | null;
}

const CTORS = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array } as const;

export function loadFrame(frame: ViewerFrame): LoadedFrame {
  const stored = typedView(CTORS[frame.dtype], frame.pixels);
  const values = new Float32Array(stored.length);
  const gray = frame.samplesPerPixel === 1;
  const { slope, intercept } = frame;
  // Relative to the frame's valueBase (0 for an ordinary image): 2^30 + 7 is 7, not a step of 128.
  const base = gray ? (frame.valueBase ?? 0) : 0;
  for (let i = 0; i < stored.length; i++) values[i] = gray ? stored[i] * slope + intercept - base : stored[i];
  // The stored bytes are not kept: the frame cache (frameCache.ts) counts the values only. The
  // padding mask is copied out of the message (a bit a pixel, a thirty-second of the values).
  const paddingMask = gray && frame.paddingMask ? frame.paddingMask.slice() : null;
  return { frame: { ...frame, pixels: new Uint8Array(0), paddingMask: null }, values, paddingMask };
}
