// The ImageNet weight files Keras publishes for EfficientNet B0..B7 and the
// hashes Keras checks them against, from keras/src/applications/efficientnet.py
// (WEIGHTS_HASHES; files at https://storage.googleapis.com/keras-applications/).
//
// Note: these published hashes are 32 hex digits, i.e. MD5, not SHA-256: Keras'
// get_file picks MD5 for a 32-digit hash ("auto" algorithm). So a file is
// identified by its MD5 against this table; its SHA-256 is computed as well and
// is what Lumen records in a package's provenance.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream } from 'node:fs';
import { checkRegularFile, openForReading } from '../../common/node/read-file';
import path from 'node:path';

export interface KerasWeightsFile {
  variant: 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'b5' | 'b6' | 'b7';
  file: string;
  includeTop: boolean;
  md5: string;
  /** The file's SHA-256 where a trusted source gives it (PUBLISHED_SHA256); a download is checked against it too. */
  sha256?: string;
}

const PUBLISHED: [KerasWeightsFile['variant'], string, string][] = [
  ['b0', '902e53a9f72be733fc0bcb005b3ebbac', '50bc09e76180e00e4465e1a485ddc09d'],
  ['b1', '1d254153d4ab51201f1646940f018540', '74c4e6b3e1f6a1eea24c589628592432'],
  ['b2', 'b15cce36ff4dcbd00b6dd88e7857a6ad', '111f8e2ac8aa800a7a99e3239f7bfb39'],
  ['b3', 'ffd1fdc53d0ce67064dc6a9c7960ede0', 'af6d107764bb5b1abb91932881670226'],
  ['b4', '18c95ad55216b8f92d7e70b3a046e2fc', 'ebc24e6d6c33eaebbd558eafbeedf1ba'],
  ['b5', 'ace28f2a6363774853a83a0b21b9421a', '38879255a25d3c92d5e44e04ae6cec6f'],
  ['b6', '165f6e37dce68623721b423839de8be5', '9ecce42647a20130c1f39a5d4cb75743'],
  ['b7', '8c03f828fec3ef71311cd463b6759d99', 'cbcfe4450ddf6f3ad90b1b398090fe4a'],
];

/**
 * SHA-256 of the published files. Keras publishes only the MD5s above, and no SHA-256 could
 * be found offline: this is the place to fill them in (file name -> 64 hex digits) from a
 * trusted source. Where one is present, a download must match it as well as the MD5.
 */
const PUBLISHED_SHA256: Partial<Record<string, string>> = {};

export const KERAS_WEIGHTS_BASE_URL = 'https://storage.googleapis.com/keras-applications/';

/** efficientnetb0.h5, efficientnetb0_notop.h5, ... with their published hashes. */
export const KERAS_EFFICIENTNET_FILES: readonly KerasWeightsFile[] = PUBLISHED.flatMap(([variant, top, notop]) => [
  { variant, file: `efficientnet${variant}.h5`, includeTop: true, md5: top, sha256: PUBLISHED_SHA256[`efficientnet${variant}.h5`] },
  { variant, file: `efficientnet${variant}_notop.h5`, includeTop: false, md5: notop, sha256: PUBLISHED_SHA256[`efficientnet${variant}_notop.h5`] },
]);

export interface FileHashes {
  md5: string;
  sha256: string;
  bytes: number;
}

/** MD5 and SHA-256 of a file, streamed. */
export async function hashFile(file: string): Promise<FileHashes> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let bytes = 0;
  const fd = openForReading(file);
  try {
    checkRegularFile(fd, file, 'package');
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  for await (const chunk of createReadStream(file, { fd })) {
    md5.update(chunk as Buffer);
    sha256.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), bytes };
}

export interface WeightsIdentity extends FileHashes {
  file: string;
  /** The published Keras file this one is, or undefined when it matches none. */
  match?: KerasWeightsFile;
  /** One line for the user. */
  message: string;
}

/** Hashes `file` and names the published Keras EfficientNet file it is, or says it matches none. */
export async function identifyWeightsFile(file: string, table: readonly KerasWeightsFile[] = KERAS_EFFICIENTNET_FILES): Promise<WeightsIdentity> {
  const hashes = await hashFile(file);
  const match = table.find((k) => k.md5 === hashes.md5);
  const base = path.basename(file);
  let message: string;
  if (match) {
    message = `${base} is Keras' ${match.file} (EfficientNet-${match.variant.toUpperCase()} ImageNet, ${match.includeTop ? 'with top' : 'no top'}); MD5 ${hashes.md5} matches the published hash`;
    if (base !== match.file) message += ` (the file was renamed from ${match.file})`;
  } else {
    const sameName = table.find((k) => k.file === base);
    message = sameName
      ? `${base} does NOT match the published hash of Keras' ${sameName.file} (expected MD5 ${sameName.md5}, got ${hashes.md5}): the file is corrupt or not the original; download it again`
      : `${base} matches none of Keras' published EfficientNet ImageNet files (MD5 ${hashes.md5}); it is treated as your own weights`;
  }
  return { ...hashes, file, match, message };
}
