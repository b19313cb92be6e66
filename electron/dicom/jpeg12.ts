// JPEG Extended with 12-bit samples: libjpeg-turbo's WASM build decodes 8-bit
// streams only, and no maintained 12-bit decoder is installed.
import type { CodecOutput } from './decode';
import type { InstanceMeta } from './parse';

export function decodeJpeg12(_data: Uint8Array, meta: InstanceMeta): CodecOutput {
  throw new Error(`12-bit JPEG Extended is not supported yet (no 12-bit JPEG decoder is installed; ${meta.bitsStored}-bit data). Convert the file with "dcmdjpeg" or "gdcmconv --raw" first`);
}
