// How the app names a frame that is not there. Frames are counted from 1 where a person reads
// them (the viewer's "frame 2 of 3"); the requests carry them from 0. The CLI speaks of its
// --frame flag instead (electron/cli/pixels.ts frameInFile): each surface its own words.

/** "This image has 3 frames; frame 5 does not exist." for frame index 4 (from 0); null when it exists. */
export function missingFrame(frames: number, frameIndex: number): string | null {
  if (frameIndex >= 0 && frameIndex < frames) return null;
  return `This image has ${frames} ${frames === 1 ? 'frame' : 'frames'}; frame ${frameIndex + 1} does not exist.`;
}
