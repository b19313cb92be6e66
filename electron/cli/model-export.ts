// `lumen models export <package> --out <file.lumenpkg>` and `lumen models import <file.lumenpkg>`:
// an installed package (or a version of one, or a package folder) as the one file a colleague's
// Lumen imports (models/package/archive.ts: the package's own files, nothing of the library), and
// such a file installed into the data folder's models/, as the Classifier panel's Import does.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkUserPath } from '../../common/node/user-path';
import { errorMessage } from '../../common/errors';
import { defaultDataDir, defaultLibraryDir } from '../library/paths';
import { CliError, printJson } from './command';
import { checkOutputFile } from './output-file';
import { pickInstalled } from './model-packages';

const EXTENSION = '.lumenpkg';

/**
 * Why a .lumenpkg may not be written into `folder`, or null: a model package's folder (one that
 * holds metadata.json, an earlier version's too) changes with any file put in it, since its
 * content hash covers every file there; the package would no longer load.
 */
export function packageFolderProblem(folder: string): string | null {
  return existsSync(path.join(folder, 'metadata.json')) ? `${folder} is a model package's folder: a file written there would become part of that package and break its content hash. Choose a folder outside the package.` : null;
}

/** `lumen models export <name | name@hash prefix | hash prefix | folder> --out <file.lumenpkg> [--overwrite] [--json]`. */
export async function exportInstalled(which: string | undefined, options: { out?: string; overwrite: boolean; json: boolean }): Promise<number> {
  if (!which) throw new CliError('name the package: lumen models export <name | name@hash prefix | hash prefix | folder> --out <file.lumenpkg> [--overwrite]', 2);
  if (options.out === undefined) throw new CliError(`--out <file${EXTENSION}> is required: the file to write`, 2);
  const file = checkOutputFile(options.out, '--out');
  if (!file.toLowerCase().endsWith(EXTENSION)) throw new CliError(`--out ${file}: the file's name must end in ${EXTENSION}, which the Classifier panel's Import and lumen models import take.`, 2);
  const folder = path.dirname(file);
  const inPackage = packageFolderProblem(folder);
  if (inPackage) throw new CliError(`--out ${file}: ${inPackage}`, 2);
  if (existsSync(file) && !options.overwrite) throw new CliError(`${file} already exists (pass --overwrite to replace it)`);

  const { listPackages } = await import('../engine/predict/packages');
  const { exportPackageArchive } = await import('../../models/package');
  let dir: string;
  let version: number | undefined;
  if (which.includes('/') || which.includes(path.sep) || (existsSync(which) && statSync(which).isDirectory())) {
    dir = checkUserPath(which, 'folder', 'the package');
  } else {
    const { packages, problems } = await listPackages(defaultDataDir());
    const found = pickInstalled(packages, which, problems);
    dir = found.dir;
    version = found.version;
  }
  let written: Awaited<ReturnType<typeof exportPackageArchive>>;
  try {
    // Written beside the file and renamed into place: a reader never sees half a package. Without
    // --overwrite, newFile also refuses a file that appeared since the check above.
    written = await exportPackageArchive(dir, file, { newFile: !options.overwrite });
  } catch (err) {
    throw new CliError(`Nothing was written to ${file}: ${errorMessage(err)}`);
  }
  const m = written.metadata;
  const files = readdirSync(written.dir).filter((n) => lstatSync(path.join(written.dir, n)).isFile()).sort();
  const bytes = statSync(file).size;
  const notes: string[] = [];
  try {
    const { Library } = await import('../library/library');
    const unaudited = Library.audit(defaultLibraryDir(), 'export', { packageHash: m.contentHash, variant: m.variant, touched: { files: [written.dir, file] }, format: 'lumenpkg' });
    if (unaudited) notes.push(unaudited);
  } catch (err) {
    notes.push(`Not recorded in the library's audit log: ${errorMessage(err)}`);
  }
  if (options.json) {
    printJson({ out: file, name: m.name, contentHash: m.contentHash, version: version ?? 1, packageDir: written.dir, files, bytes, notes });
    return 0;
  }
  process.stdout.write(
    `Wrote ${file}: ${m.name}${version !== undefined ? ` version ${version}` : ''} #${m.contentHash.slice(0, 12)} (${files.length} files, ${bytes.toLocaleString('en-US')} bytes). ` +
      `Another Lumen installs it with lumen models import or the Classifier panel's Import.\n` +
      notes.map((n) => `Note: ${n}\n`).join(''),
  );
  return 0;
}

/** `lumen models import <file.lumenpkg> [--json]`: verified, unpacked into models/ under a free name from the file's. */
export async function importArchive(which: string | undefined, json: boolean): Promise<number> {
  if (!which) throw new CliError(`name the file: lumen models import <file${EXTENSION}>`, 2);
  const file = checkUserPath(which, 'file', 'the package file');
  const { importPackage } = await import('../engine/predict/packages');
  let imported: Awaited<ReturnType<typeof importPackage>>;
  try {
    imported = await importPackage(defaultDataDir(), file);
  } catch (err) {
    throw new CliError(`Nothing was installed from ${file}: ${errorMessage(err)}`);
  }
  if (json) {
    printJson({ name: imported.name, dir: imported.dir, contentHash: imported.contentHash, variant: imported.variant, classNames: imported.classNames, notes: imported.notes });
    return 0;
  }
  process.stdout.write(`Installed ${imported.name} #${imported.contentHash.slice(0, 12)} in ${imported.dir}; lumen models packages lists it.\n` + imported.notes.map((n) => `Note: ${n}\n`).join(''));
  return 0;
}
