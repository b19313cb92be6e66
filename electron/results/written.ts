// The record of the result documents (SR, Parametric Maps) Lumen wrote, kept in the library
// (table written_results, migration 34): each one's SOP Instance UID and the SHA-256 of its data
// set's bytes as written. A de-identified copy trusts a document as Lumen's own only when both
// match (deidentify.ts): its content is then exactly what Lumen put there from its own records,
// which no template of its shape can promise (a forger can copy the shape and put a patient's
// name in the free parts), and a real document is trusted whatever its class names hold.
//
// The digest is of the data set after the File Meta Information, not of the whole file: the meta
// information is the wrapper of one copy (a PACS that sends the document back writes its own),
// and a de-identified copy writes its own too. The data set's bytes are those of Explicit VR
// Little Endian, the syntax Lumen writes: a document read in another syntax is another encoding,
// not the document Lumen wrote.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { LIBRARY_FILE, type Library } from '../library/library';
import { openDatabase } from '../library/sqlite';
import { writeTransaction } from '../library/write-lock';

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * The offset of the data set in a Part 10 file (after the preamble, "DICM" and the group 0002
 * elements, which are explicit VR little endian), or 0 for a bare data set; null when the meta
 * information runs past the end.
 */
function datasetOffset(bytes: Uint8Array): number | null {
  if (bytes.length < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 132;
  while (at + 8 <= bytes.length && view.getUint16(at, true) === 0x0002) {
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    if (LONG_LENGTH_VRS.has(vr)) {
      if (at + 12 > bytes.length) return null;
      at += 12 + view.getUint32(at + 8, true);
    } else {
      at += 8 + view.getUint16(at + 6, true);
    }
  }
  return at > bytes.length ? null : at;
}

/** SHA-256 (hex) of the data set of a file's bytes (see the top of this file); null when its meta information is cut short. */
export function datasetDigest(bytes: Uint8Array): string | null {
  const at = datasetOffset(bytes);
  return at === null ? null : createHash('sha256').update(bytes.subarray(at)).digest('hex');
}

/**
 * Records documents just written, in the library's own file. Null once recorded; on a read-only
 * disk the sentence that tells the user they are not recorded (and will be held back from
 * de-identified copies). Other failures (the write lock held past its wait) throw.
 */
export function recordWritten(library: Library, docs: readonly { sopInstanceUid: string; sha256: string }[]): string | null {
  if (!docs.length) return null;
  if (library.readOnlyReason) {
    return `Not recorded as written by Lumen: the library ${library.dir} is on a read-only disk, so de-identified copies of this library will hold these result documents back. Make the disk writable and export the results again.`;
  }
  const db = openDatabase(path.join(library.dir, LIBRARY_FILE));
  try {
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare('INSERT OR REPLACE INTO written_results (sop_uid, sha256, written_at) VALUES (?, ?, ?)');
    const at = new Date().toISOString();
    writeTransaction(db, () => {
      for (const d of docs) insert.run(d.sopInstanceUid, d.sha256, at);
    });
    return null;
  } finally {
    db.close();
  }
}

/** The recorded digests of these documents by SOP Instance UID; none on a library made before migration 34 (opened read-only, not upgraded). */
export function writtenDigests(db: Database.Database, sopInstanceUids: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'written_results'").get()) return found;
  const lookup = db.prepare<[string], string>('SELECT sha256 FROM written_results WHERE sop_uid = ?').pluck();
  for (const uid of sopInstanceUids) {
    const sha = lookup.get(uid);
    if (typeof sha === 'string') found.set(uid, sha);
  }
  return found;
}
