// Frames for the viewer (electron/dicom/viewer-frame.ts), made on the decode pool's viewer
// workers: a slow decode (a large JPEG 2000, a 12-bit JPEG) leaves the engine's thread free
// for every other request meanwhile.
import type { ViewerFrame } from '../../../common/contract/library';
import { viewerFrameOnPool } from '../../dicom/pool';
import type { InstanceRecord } from '../../library/types';

export async function viewerFrame(instance: InstanceRecord, frameIndex: number): Promise<ViewerFrame> {
  if (instance.missing) throw new Error(`${instance.path} is gone from disk (image ${instance.sopInstanceUid}). Re-import its folder.`);
  return viewerFrameOnPool(instance.path, frameIndex);
}
