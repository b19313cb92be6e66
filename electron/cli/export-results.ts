// `lumen export` for what Lumen has found and drawn, rather than a model: results as DICOM
// (--results) and plain tables (--csv / --json predictions|labels|measurements).
// electron/cli/export.ts hands these options over here, so that its model export stays as
// it was.
import fs from 'node:fs';
import path from 'node:path';
import { imageCount } from '../../common/counts';
import { heldBackImage } from '../../common/held-back';
import { undoCreatedOnFailure, writeFileAtomic } from '../../common/node/safe-fs';
import { Library, LIBRARY_FILE } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import { loadPackage } from '../../models/package';
import { DeidentifyError, exportDeidentified } from '../results/deidentify';
import { exportResults, libraryModel, ResultsExportError, storedModels } from '../results/export';
import { packageVersion, type ModelIdentity } from '../results/sr';
import { ResultsStore, type Scope } from '../results/store';
import { tableOnFrames } from '../results/region-stats';
import { TABLE_KINDS, toCsv, toJson, type TableKind } from '../results/tables';
import { CliError, parseCommandArgs, printJson } from './command';
import { checkOutputFile } from './output-file';
import { errorMessage } from '../../common/errors';
import { isLibraryUid, uidProblem } from '../../common/dicom-uid';
import { checkUserPath } from '../../common/node/user-path';

export const RESULTS_USAGE = [
  'lumen export --results <SeriesInstanceUID|StudyInstanceUID> [--model <folder | name | name@hash prefix | hash prefix>] --out <folder>',
  '             [--heatmaps [secondary-capture]] [--json]',
  'lumen export --deidentify <SeriesInstanceUID|StudyInstanceUID|library> --out <folder> [--include-burned-in] [--json]',
  'lumen export --csv predictions|labels|measurements [--series <UID> | --study <UID>] [--model <folder | name | hash prefix>] --out <file.csv> [--overwrite]',
  'lumen export --json predictions|labels|measurements [--series <UID> | --study <UID>] [--model <folder | name | hash prefix>] --out <file.json> [--overwrite]',
  '',
  '  --csv, --json  a table of the library\'s predictions (one row per image, frame and class, with the package hash),',
  '                 labels or measurements; every row names its study, series and image by UID, none a patient',
  '  --results      DICOM Comprehensive SR (TID 1500) into <folder>: the predictions stored for --model, and the',
  '                 measurements and labels of the series or study (lengths load back into OHIF as lengths);',
  '                 --heatmaps adds a Parametric Map per predicted image: the activation map of its top class;',
  '                 --heatmaps secondary-capture writes it as an RGB picture instead (for receivers without PM)',
  '  --deidentify   de-identified copies (DICOM PS3.15 Basic Profile, Retain Longitudinal Temporal Information with',
  '                 Modified Dates, Clean Descriptors) into <folder>/<study>/<series>/; images that have or may have',
  '                 text burned into their pixels are held back unless --include-burned-in; descriptions are kept',
  '                 with the names, IDs and dates of the file cut out; result documents (SR, Parametric Maps) are',
  '                 not copied, and the summary says how many were left out',
].join('\n');

const isTableKind = (v: string | undefined): v is TableKind => TABLE_KINDS.includes(v as TableKind);

/** Whether `argv` asks for one of the exports of this module (else it is a model export). */
export function handles(argv: string[]): boolean {
  if (argv.some((a) => /^--(results|deidentify)(=|$)/.test(a))) return true;
  if (argv.includes('--csv') || argv.some((a) => a.startsWith('--csv='))) return true;
  const i = argv.indexOf('--json');
  return (i >= 0 && isTableKind(argv[i + 1])) || argv.some((a) => a.startsWith('--json='));
}

const HEATMAP_FORMS = ['parametric-map', 'secondary-capture'] as const;

/**
 * `--json <kind>` names a table; a bare --json (machine-readable output) stays a flag.
 * A bare --heatmaps means parametric maps; `--heatmaps secondary-capture` the fallback.
 */
function splitJsonTable(argv: string[]): { argv: string[]; jsonTable?: string } {
  const out: string[] = [];
  let jsonTable: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--heatmaps') out.push(`--heatmaps=${(HEATMAP_FORMS as readonly string[]).includes(argv[i + 1]) ? argv[++i] : 'parametric-map'}`);
    else if (a === '--json' && isTableKind(argv[i + 1])) jsonTable = argv[++i];
    else if (a.startsWith('--json=')) jsonTable = a.slice('--json='.length);
    else out.push(a);
  }
  return { argv: out, jsonTable };
}

function openLibrary(dir: string | undefined): Library {
  const libraryDir = dir !== undefined ? checkUserPath(dir, 'library', '--library') : defaultLibraryDir();
  if (!fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) throw new CliError(`There is no library in ${libraryDir}. Import studies first, or name it with --library.`);
  return Library.open(libraryDir);
}

function scopeOf(store: ResultsStore, values: { series?: string; study?: string }): Scope {
  if (values.series && values.study) throw new CliError('--series and --study: give one of them', 2);
  const uid = values.series ?? values.study;
  if (uid === undefined) return {};
  if (!isLibraryUid(uid)) throw new CliError(`${values.series ? '--series' : '--study'} must be a DICOM UID (digits and dots): this one ${uidProblem(uid)}`, 2);
  const scope = store.resolve(uid);
  if (!scope || (values.series && !scope.seriesInstanceUid) || (values.study && !scope.studyInstanceUid)) {
    throw new CliError(`The library has no ${values.series ? 'series' : 'study'} ${uid}. Import it first, or check the UID with "lumen ls".`);
  }
  return scope;
}

/** Refuses to replace a file unless asked to. */
function checkOut(out: string | undefined, overwrite: boolean | undefined): string {
  if (out === undefined) throw new CliError('--out <path> is required', 2);
  const file = checkOutputFile(out, '--out');
  if (fs.existsSync(file) && !overwrite) throw new CliError(`${file} already exists (pass --overwrite to replace it)`);
  return file;
}

export async function run(argvIn: string[]): Promise<number> {
  const { argv, jsonTable } = splitJsonTable(argvIn);
  const { values } = parseCommandArgs(argv, {
    results: { type: 'string' },
    deidentify: { type: 'string' },
    heatmaps: { type: 'string' },
    'include-burned-in': { type: 'boolean' },
    csv: { type: 'string' },
    series: { type: 'string' },
    study: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    overwrite: { type: 'boolean' },
    library: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.deidentify !== undefined) {
    if (values.results !== undefined || values.csv !== undefined || jsonTable !== undefined) throw new CliError('--deidentify cannot be combined with --results, --csv or --json <table>', 2);
    return exportDeidentifiedCopies(values);
  }
  if (values.results !== undefined) {
    if (values.csv !== undefined || jsonTable !== undefined) throw new CliError('--results and --csv/--json <table>: give one of them', 2);
    return exportDicomResults(values);
  }
  return exportTable(values, jsonTable);
}

async function exportDeidentifiedCopies(values: { deidentify?: string; out?: string; library?: string; json?: boolean; 'include-burned-in'?: boolean }): Promise<number> {
  const uid = values.deidentify!;
  if (uid !== 'library' && !isLibraryUid(uid)) throw new CliError('--deidentify must be a Series or Study Instance UID, or "library"', 2);
  if (values.out === undefined) throw new CliError('--out <folder> is required', 2);
  checkUserPath(values.out, 'output-folder', '--out');
  const library = openLibrary(values.library);
  try {
    const out = values.out;
    const result = await undoCreatedOnFailure(out, () => exportDeidentified(library, { uid, out, includeBurnedIn: values['include-burned-in'] }));
    if (values.json) printJson(result);
    else {
      // Counted as the study list counts images (a multi-frame file's frames), naming the files where they are fewer.
      process.stdout.write(`Wrote de-identified copies of ${imageCount(result.writtenFrames, result.written)} to ${result.out}\n`);
      const held = result.heldBack.reduce((n, h) => n + h.frames, 0);
      if (result.heldBack.length) process.stdout.write(`Held back ${imageCount(held, result.heldBack.length)} that ${held === 1 ? 'has' : 'have'} or may have text burned into their pixels (pass --include-burned-in to write them after checking).\n`);
      // Which, as the library shows them: the new SOP Instance UID names nothing the owner can find.
      for (const h of result.heldBack) process.stdout.write(`Held back: ${heldBackImage(h)}: ${h.reason}.\n`);
      for (const f of result.failed) process.stdout.write(`Not written: file ${f.sopInstanceUid} ${f.reason}\n`);
      for (const n of result.notes) process.stdout.write(`Note: ${n}\n`);
    }
    return result.failed.length ? 1 : 0;
  } catch (err) {
    if (err instanceof DeidentifyError) throw new CliError(err.message);
    throw err;
  } finally {
    library.close();
  }
}

/**
 * --model as the other commands take it (lumen predict, eval, compare): a package folder, an
 * installed package's name, name@hash prefix or hash prefix (modelFolder), or a content hash
 * (the full 64 digits, or a prefix of at least 4 when no installed package has it) the library
 * has a record of.
 */
async function modelIdentity(store: ResultsStore, model: string | undefined): Promise<{ identity: ModelIdentity; packageDir: string | undefined } | null> {
  if (model === undefined) return null;
  const recorded = (hash: string) => ({ identity: libraryModel(store, hash)!, packageDir: store.models().find((m) => m.packageHash === hash)?.path });
  if (/^[0-9a-f]{64}$/.test(model)) {
    if (!libraryModel(store, model)) throw new CliError(`The library has no model with content hash ${model}. Run it on a series first, or name its package folder.`);
    return recorded(model);
  }
  const { modelFolder } = await import('./model-packages');
  let dir: string;
  try {
    dir = path.resolve(await modelFolder(model));
  } catch (err) {
    // A package no longer installed that the library still has results of, by its hash prefix.
    const key = model.toLowerCase();
    const known = /^[0-9a-f]{4,63}$/.test(key) ? [...new Set(store.models().map((m) => m.packageHash).filter((h) => h.startsWith(key)))] : [];
    if (known.length === 1) return recorded(known[0]);
    if (known.length > 1) throw new CliError(`${known.length} models in the library have a content hash starting with ${model} (${known.map((h) => `#${h.slice(0, 12)}`).join(', ')}): give more of it.`);
    throw err instanceof CliError ? err : new CliError(`--model: ${errorMessage(err)}`);
  }
  try {
    const { metadata } = await loadPackage(dir);
    return { identity: { name: metadata.name, packageHash: metadata.contentHash, variant: metadata.variant, version: metadata.provenance.softwareVersion }, packageDir: dir };
  } catch (err) {
    throw new CliError(`--model: ${errorMessage(err)}`);
  }
}

async function exportDicomResults(values: { results?: string; model?: string; out?: string; library?: string; json?: boolean; heatmaps?: string }): Promise<number> {
  const uid = values.results!;
  if (!isLibraryUid(uid)) throw new CliError(`--results must be a Series or Study Instance UID (digits and dots): this one ${uidProblem(uid)}`, 2);
  if (values.out === undefined) throw new CliError('--out <folder> is required', 2);
  checkUserPath(values.out, 'output-folder', '--out');
  const library = openLibrary(values.library);
  const store = new ResultsStore(library);
  let model: { identity: ModelIdentity; packageDir: string | undefined } | null;
  // Without --model no predictions are exported: say which the library holds, so that none is missed.
  let unnamed: string | null = null;
  try {
    model = await modelIdentity(store, values.model);
    const scope = model ? null : store.resolve(uid);
    const stored = scope ? storedModels(store, scope) : [];
    if (stored.length) {
      const names = stored.map((m) => `${m.name} ${packageVersion(m.packageHash)}`).join(', ');
      unnamed = `predictions of ${stored.length === 1 ? '1 model are' : `${stored.length} models are`} stored for this ${scope!.seriesInstanceUid ? 'series' : 'study'}: name one with --model (${names})`;
    }
  } finally {
    store.close();
  }
  try {
    const heatmaps = values.heatmaps as (typeof HEATMAP_FORMS)[number] | undefined;
    if (heatmaps !== undefined && !HEATMAP_FORMS.includes(heatmaps)) throw new CliError(`--heatmaps takes ${HEATMAP_FORMS.join(' or ')} (or nothing: parametric maps)`, 2);
    if (heatmaps && !model) throw new CliError('--heatmaps needs --model <package>', 2);
    const out = values.out;
    const result = await undoCreatedOnFailure(out, () => exportResults(library, { uid, model: model?.identity ?? null, packageDir: model?.packageDir, heatmaps: heatmaps ?? null, out }));
    if (unnamed) result.notes.unshift(`No predictions exported: ${unnamed}.`);
    if (values.json) printJson(result);
    else {
      for (const f of result.files) process.stdout.write(`Wrote ${f.kind} ${f.file}\n`);
      process.stdout.write(`${result.predictions} image prediction${result.predictions === 1 ? '' : 's'}, ${result.measurements} measurement${result.measurements === 1 ? '' : 's'}, ${result.labels} label${result.labels === 1 ? '' : 's'}\n`);
      if (result.skippedMeasurements) process.stdout.write(`Note: ${result.skippedMeasurements} measurement(s) could not be written to SR (a kind SR does not carry, or an image the library no longer has).\n`);
      for (const n of result.notes) process.stdout.write(`Note: ${n}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ResultsExportError) throw new CliError(unnamed ? `${err.message} P${unnamed.slice(1)}.` : err.message);
    throw err;
  } finally {
    library.close();
  }
}

async function exportTable(values: { csv?: string; series?: string; study?: string; model?: string; out?: string; overwrite?: boolean; library?: string; json?: boolean }, jsonTable: string | undefined): Promise<number> {
  if (values.csv !== undefined && jsonTable !== undefined) throw new CliError('--csv and --json <table>: give one of them', 2);
  const kind = values.csv ?? jsonTable;
  if (!isTableKind(kind)) throw new CliError(`--${values.csv !== undefined ? 'csv' : 'json'} must be one of ${TABLE_KINDS.join(', ')}`, 2);
  const file = checkOut(values.out, values.overwrite);
  const library = openLibrary(values.library);
  const store = new ResultsStore(library);
  try {
    // --model by folder, name, hash prefix or hash, as --results takes it: the table wants its content hash.
    const model = values.model === undefined ? undefined : (await modelIdentity(store, values.model))!.identity.packageHash;
    // Measurements as measured on their own frames (an Enhanced image's frame has its own spacing).
    const table = await tableOnFrames(store, kind, scopeOf(store, values), model);
    writeFileAtomic(file, values.csv !== undefined ? toCsv(table) : toJson(kind, table));
    const unaudited = library.auditUnlessReadOnly('export', { touched: { files: [file] }, rows: table.rows.length, format: values.csv !== undefined ? 'csv' : 'json', table: kind });
    const notes = unaudited ? [unaudited] : [];
    if (values.json) printJson({ kind, format: values.csv !== undefined ? 'csv' : 'json', out: file, rows: table.rows.length, notes });
    else {
      process.stdout.write(`Wrote ${table.rows.length} ${kind} row${table.rows.length === 1 ? '' : 's'} to ${file}\n`);
      for (const n of notes) process.stdout.write(`Note: ${n}\n`);
    }
    return 0;
  } finally {
    store.close();
    library.close();
  }
}
