// Pseudonyms for patients and images in what leaves the machine: a model package is made to
// be shared (.lumenpkg), so its recorded split and test predictions must not carry a
// PatientID, nor a UID that a PACS could link back to the patient.
//
// A pseudonym is a keyed hash (HMAC-SHA-256, first 64 bits in hex) under a secret key the
// library makes once from random bytes and keeps beside its database, private (0600). The
// same patient always gets the same pseudonym in one library, so `lumen eval` finds the
// patients a package was trained and tested on; without the key nobody can test guesses
// (a plain hash of a PatientID could be reversed by hashing every possible ID).
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeFsError } from '../../common/node/fs-errors';
import { FileReadError, readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../common/node/safe-fs';

/** The key's file in the library folder. */
export const PSEUDONYM_KEY_FILE = 'pseudonym-key.json';
const KEY_BYTES = 32;

export interface Pseudonyms {
  /** "p-" and 16 hex digits for a PatientID (or the library's key for a patient without one). */
  patient(id: string): string;
  /** "i-" and 16 hex digits for a SOPInstanceUID. */
  image(sopInstanceUid: string): string;
  /** Names the key without revealing it ("k-" and 16 hex digits): a package records it, to tell whether this library made its pseudonyms. */
  keyId: string;
}

/**
 * The library's key, made the first time. `readOnly` (a library on a read-only disk, which can
 * be viewed and exported from but where no key can be saved): without a stored key, a key kept
 * in memory for this process only, the same for every caller until the process ends; `saved`
 * says which. What is made under an unsaved key matches nothing made by a later process.
 */
export function libraryKey(libraryDir: string, opts: { readOnly?: boolean } = {}): { key: Buffer; saved: boolean } {
  if (!opts.readOnly) return { key: readOrCreateKey(libraryDir), saved: true };
  const file = path.join(libraryDir, PSEUDONYM_KEY_FILE);
  try {
    return { key: parseKey(readRegularText(file, 'json'), file), saved: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let key = unsavedKeys.get(libraryDir);
  if (!key) unsavedKeys.set(libraryDir, (key = randomBytes(KEY_BYTES)));
  return { key, saved: false };
}

/** The pseudonyms of the library in `libraryDir` under its key (see libraryKey for `readOnly`). */
export function libraryPseudonyms(libraryDir: string, opts: { readOnly?: boolean } = {}): Pseudonyms {
  return pseudonymsUnder(libraryKey(libraryDir, opts).key);
}

/** Pseudonyms under `key` (libraryKey's). */
export function pseudonymsUnder(key: Buffer): Pseudonyms {
  // The kind goes into the hash, so that a patient and an image never share a pseudonym.
  const tag = (prefix: string, kind: string, value: string) => prefix + createHmac('sha256', key).update(`${kind}\0${value}`).digest('hex').slice(0, 16);
  return { patient: (id) => tag('p-', 'patient', id), image: (uid) => tag('i-', 'image', uid), keyId: tag('k-', 'key', '') };
}

/**
 * A keyed digest (HMAC-SHA-256, 32 bytes) under `key` (libraryKey's), for other values that
 * must be the same every time and unguessable without the key: de-identified exports derive
 * their remapped UIDs and per-patient date shifts from it. `purpose` keeps each use apart
 * from the others and from the pseudonyms above.
 */
export function keyedDigest(key: Buffer): (purpose: string, value: string) => Buffer {
  return (purpose, value) => createHmac('sha256', key).update(`digest\0${purpose}\0${value}`).digest();
}

const unsavedKeys = new Map<string, Buffer>();

function readOrCreateKey(libraryDir: string): Buffer {
  const file = path.join(libraryDir, PSEUDONYM_KEY_FILE);
  // Twice at most: a key another process linked in between is read the second time.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return parseKey(readRegularText(file, 'json'), file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw err instanceof FileReadError || code === undefined ? err : new Error(`Cannot read the library's pseudonym key ${file} (${code}): the library folder must be readable by you.`);
    }
    try {
      createKey(libraryDir, file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new Error(`Cannot create the library's pseudonym key ${file} (${describeFsError(err)}): the library folder must be writable by you.`);
    }
  }
  // Still absent although something stands at its name (a dangling link, say).
  throw new Error(`The library's pseudonym key ${file} cannot be read although something exists there: remove it or restore it from a backup of the library.`);
}

/** Writes a new key whole beside its place, then links it into place: link fails (EEXIST) when another process made one first, and then both use that (a rename would replace it). */
function createKey(libraryDir: string, file: string): void {
  ensurePrivateDir(libraryDir, { tighten: false });
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      fs.fchmodSync(fd, PRIVATE_FILE_MODE);
      fs.writeFileSync(fd, JSON.stringify({ hmacSha256Key: randomBytes(KEY_BYTES).toString('hex') }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function parseKey(text: string, file: string): Buffer {
  let hex: unknown;
  try {
    hex = (JSON.parse(text) as { hmacSha256Key?: unknown } | null)?.hmacSha256Key;
  } catch {
    hex = undefined;
  }
  // Never quote the file: whatever is in it, it is not ours to show.
  if (typeof hex !== 'string' || !new RegExp(`^[0-9a-f]{${KEY_BYTES * 2}}$`).test(hex)) {
    throw new Error(`The library's pseudonym key ${file} is damaged. Restore it from a backup of the library; deleting it makes a new key, and packages trained before then can no longer tell their own patients apart from others in \`lumen eval\`.`);
  }
  return Buffer.from(hex, 'hex');
}
