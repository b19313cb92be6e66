// Reading exports back with independent tools: dcmtk's dsrdump and dcmdump, dicom3tools' dciodvfy.
import { spawnSync } from 'node:child_process';
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import path from 'node:path';
import type { Library } from '../../electron/library/library';
import { readPart10OrBare } from '../../electron/results/deidentify';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { ResultsStore } from '../../electron/results/store';

/** dciodvfy's report; `errors` are its lines starting "Error". */
export function dciodvfy(file: string): { errors: string[]; output: string } {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  return { errors: output.split('\n').filter((l) => /^Error/.test(l)), output };
}

/** dsrdump's rendering of an SR; fails on any error line (E:) or a non-zero exit. */
export function dsrdump(file: string): string {
  const r = spawnSync('dsrdump', ['-Ee', '+Pf', file], { encoding: 'utf8' });
  const errors = `${r.stderr}`.split('\n').filter((l) => /^E:|^F:/.test(l));
  if (r.status !== 0 || errors.length) throw new Error(`dsrdump ${file}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

export function dcmdump(file: string, args: string[] = []): string {
  const r = spawnSync('dcmdump', [...args, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`dcmdump ${file}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** A file (Part 10, or a bare data set) as dcmjs's natural data set (what OHIF's adapters read). */
export function natural(file: string): Record<string, any> {
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(readPart10OrBare(fs.readFileSync(file)).dict);
}

/** A sequence as a list (dcmjs gives one item as itself), and an item's concept name's meaning. */
export const items = (x: unknown): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
export const meaning = (item: any) => items(item.ConceptNameCodeSequence)[0]?.CodeMeaning;

/**
 * The SR Lumen writes of a series' stored measurements (as `lumen export` and the app do), in
 * `dir`/sr.dcm, read back with dcmjs: the measurements it was given, the report, and the NUM
 * item of each of its measurement groups, in order.
 */
export function writeSeriesSr(library: Library, study: string, series: string, description: string, dir: string) {
  const measurements = new ResultsStore(library).measurements({ seriesInstanceUid: series });
  const instances = library.listInstances(series);
  const source = readDataset(instances[0].path, { headerOnly: true }).dataset;
  const images = new Map(instances.map((i) => [i.sopInstanceUid, { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: i.sopInstanceUid, sopClassUid: i.sopClassUid!, frames: 1 }]));
  const report = buildReport({ source, seriesInstanceUid: `${series}.9`, seriesNumber: 99, seriesDescription: description, instanceNumber: 1, images, measurements });
  const file = path.join(dir, 'sr.dcm');
  fs.writeFileSync(file, writeDataset(report.dataset));
  const imaging = items(natural(file).ContentSequence).find((c) => meaning(c) === 'Imaging Measurements');
  const nums = items(imaging.ContentSequence)
    .filter((g) => meaning(g) === 'Measurement Group')
    .map((g) => items(g.ContentSequence).find((c) => c.ValueType === 'NUM'));
  return { measurements, report, file, nums };
}
