// JPEG Extended with 12-bit samples: libjpeg-turbo's WASM build decodes 8-bit
// streams only, and no maintained 12-bit decoder is installed.
import type { CodecOutput } from './decode';
import { DicomFileError, type InstanceMeta } from './parse';

export function decodeJpeg12(_data: Uint8Array, meta: InstanceMeta, file: string): CodecOutput {
  throw new DicomFileError(file, `12-bit JPEG Extended (1.2.840.10008.1.2.4.51 with ${meta.bitsStored}-bit samples) is not supported yet: no 12-bit JPEG decoder is built in. Convert the file with "dcmdjpeg" or "gdcmconv --raw" first.`);
}
