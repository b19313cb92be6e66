import fs from 'node:fs';
import path from 'node:path';
import { notRegularReason } from '../../common/node/read-file';
import { isBelow } from '../../common/node/safe-fs';
import { parseDicomBuffer } from '../dicom/parse';
import { describeFsError } from './errors';

// Finding files to import: walking folders, recognising a DICOMDIR by its
// content, and resolving its ReferencedFileIDs on disk (case-insensitively,
// because discs are written in upper case and copied onto case-sensitive file
// systems in every case there is).

export interface WalkError {
  file: string;
  reason: string;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Every regular file under `root`, depth first, names sorted (so that "keep the
 * first of two duplicates" means the same file every time). Follows symbolic
 * links but never into the same folder twice.
 */
export async function walkFolder(
  root: string,
  onFile: (file: string) => void,
  onError: (error: WalkError) => void,
  signal?: AbortSignal,
): Promise<void> {
  const visited = new Set<string>();
  const stack = [root];
  let sinceYield = 0;
  while (stack.length > 0) {
    if (signal?.aborted) return;
    const dir = stack.pop()!;
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(dir);
      if (visited.has(real)) continue;
      visited.add(real);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      onError({ file: dir, reason: `this folder cannot be read (${describeFsError(err)}); its files were not imported. Check its permissions and import it again.` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (!isDir && !isFile) {
        // Symbolic links and file systems that do not report types: ask stat.
        try {
          const st = fs.statSync(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
          // A FIFO, a device, a socket: never opened (a FIFO would hold the import up for good).
          if (!isDir && !isFile) onError({ file: full, reason: `${notRegularReason(st)} Skipped.` });
        } catch (err) {
          if (entry.isSymbolicLink()) onError({ file: full, reason: `this link points nowhere (${describeFsError(err)}); fix or remove the link.` });
          continue;
        }
      }
      if (isDir) subdirs.push(full);
      else if (isFile) onFile(full);
    }
    // Reverse so that popping visits sub-folders in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    sinceYield += entries.length;
    if (sinceYield > 500) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
}

const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

/**
 * True when the bytes are a Part 10 file whose meta header says "Media Storage
 * Directory" (a DICOMDIR). Looks only at the meta header, never at the name.
 */
export function isDicomdir(bytes: Uint8Array): boolean {
  if (bytes.length < 140) return false;
  if (bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) return false;
  // Group 0002 is explicit VR little endian by definition; walk it element by element.
  let pos = 132;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, true);
    if (group !== 0x0002) return false;
    const element = view.getUint16(pos + 2, true);
    const vr = String.fromCharCode(bytes[pos + 4], bytes[pos + 5]);
    let length: number;
    let valueStart: number;
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr)) {
      if (pos + 12 > bytes.length) return false;
      length = view.getUint32(pos + 8, true);
      valueStart = pos + 12;
    } else {
      length = view.getUint16(pos + 6, true);
      valueStart = pos + 8;
    }
    if (valueStart + length > bytes.length) return false;
    if (element === 0x0002) {
      let uid = '';
      for (let i = valueStart; i < valueStart + length; i++) uid += String.fromCharCode(bytes[i]);
      return uid.replace(/[\0 ]+$/, '') === DICOMDIR_SOP_CLASS;
    }
    pos = valueStart + length;
  }
  return false;
}

export interface DicomdirReference {
  /** The ReferencedFileID components as written, e.g. ["DICOM", "IMG001"]. */
  fileId: string[];
  recordType: string;
}

/**
 * The files a DICOMDIR lists (every directory record with a ReferencedFileID). Read by Lumen's
 * parser, as every DICOM file is: a damaged DICOMDIR throws DicomFileError with the reason (a
 * record past the end of its item, say), never dicom-parser's own exceptions (strings, objects).
 */
export function readDicomdirReferences(bytes: Uint8Array, file = 'DICOMDIR'): DicomdirReference[] {
  const { dataSet } = parseDicomBuffer(bytes, file);
  const records = dataSet.elements.x00041220?.items ?? [];
  const refs: DicomdirReference[] = [];
  for (const item of records) {
    const record = item.dataSet;
    if (!record) continue;
    const fileId = record.string('x00041500');
    if (!fileId) continue;
    refs.push({
      fileId: fileId.split('\\').map((part) => part.trim()).filter((part) => part.length > 0),
      recordType: (record.string('x00041430') ?? '').trim(),
    });
  }
  return refs;
}

/**
 * Whether a ReferencedFileID stays inside the DICOMDIR's folder: each component a
 * plain name (no "." or "..", no "/", ":" or NUL, so neither "..\X" nor
 * "A/../../X" nor an absolute or drive path), and the file it resolved to, once
 * symbolic links are followed, under the folder's real path. A crafted DICOMDIR
 * must not pull files from elsewhere on the machine into the library.
 */
export function staysInsideFolder(baseDir: string, components: string[], resolved: string | null): boolean {
  if (components.some((c) => c === '.' || c === '..' || /[/:\0]/.test(c) || path.isAbsolute(c))) return false;
  if (resolved === null) return true;
  try {
    return isBelow(fs.realpathSync(baseDir), fs.realpathSync(resolved));
  } catch {
    return false;
  }
}

/**
 * Resolves a DICOMDIR's ReferencedFileID against the DICOMDIR's folder. Each
 * component is tried as written, then case-insensitively among the folder's
 * entries (a CD written as "DICOM/IMG001" is often copied as "dicom/img001").
 * Returns null when no such file exists.
 */
export class CaseInsensitiveResolver {
  private listings = new Map<string, Map<string, string> | null>();

  resolve(baseDir: string, components: string[]): string | null {
    let current = baseDir;
    for (const component of components) {
      const direct = path.join(current, component);
      if (fs.existsSync(direct)) {
        current = direct;
        continue;
      }
      const match = this.listing(current)?.get(component.toLowerCase());
      if (!match) return null;
      current = path.join(current, match);
    }
    try {
      return fs.statSync(current).isFile() ? current : null;
    } catch {
      return null;
    }
  }

  private listing(dir: string): Map<string, string> | null {
    let listing = this.listings.get(dir);
    if (listing !== undefined) return listing;
    try {
      listing = new Map();
      for (const name of fs.readdirSync(dir).sort()) {
        const key = name.toLowerCase();
        if (!listing.has(key)) listing.set(key, name);
      }
    } catch {
      listing = null;
    }
    this.listings.set(dir, listing);
    return listing;
  }
}
