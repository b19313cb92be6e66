/**
 * DICOM files handed to the app by the system: a double-click on a .dcm file
 * (the installers' file association) starts Lumen with the file's path on its
 * command line (Linux, Windows), or sends macOS's open-file event. Pure (no
 * electron import), so it is tested under plain Node.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

/** The command-line arguments that name existing .dcm files (never options, never relative paths). */
export function dicomFilesIn(argv: readonly string[]): string[] {
  const files: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-') || !path.isAbsolute(arg) || !/\.dcm$/i.test(arg)) continue;
    try {
      if (statSync(arg).isFile()) files.push(arg);
    } catch {
      // gone since the click: nothing to import
    }
  }
  return [...new Set(files)].slice(0, 100);
}
