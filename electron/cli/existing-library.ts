// The library a command reads but never makes: lumen train, predict, predictions, eval, compare
// and suggest. A mistyped
// --library would otherwise create an empty library and the command would report on nothing
// ("0 images", or "trained in another library").
import fs from 'node:fs';
import path from 'node:path';
import { defaultLibraryDir, LIBRARY_FILE } from '../library/paths';
import { checkUserPath } from '../../common/node/user-path';
import { CliError } from './command';

/** The library folder --library names (or the default one), refused when no library is there. */
export function existingLibraryDir(library: string | undefined): string {
  const libraryDir = library !== undefined ? checkUserPath(library, 'library', '--library') : defaultLibraryDir();
  if (!fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) throw new CliError(`There is no library in ${libraryDir}. Import studies first (lumen import <folder> --library ${libraryDir}), or check --library.`);
  return libraryDir;
}
