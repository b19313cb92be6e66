/**
 * A file a command writes, as named by its option (`--out`, `--csv`): checked as
 * checkUserPath's output-file, and its folder must already exist. Lumen makes no folder it was
 * not asked for (a mistyped parent would leave one behind), and every command says a missing
 * folder the same way, before anything runs, with exit 2 as for any bad option.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkUserPath } from '../../common/node/user-path';
import { CliError } from './command';

export function checkOutputFile(p: string, option: string): string {
  const file = checkUserPath(p, 'output-file', option);
  const folder = path.dirname(file);
  if (!fs.existsSync(folder)) throw new CliError(`${option} ${file}: the folder ${folder} does not exist: create it first.`, 2);
  return file;
}
