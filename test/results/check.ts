// Reading exports back with independent tools: dcmtk's dsrdump and dcmdump, dicom3tools' dciodvfy.
import { spawnSync } from 'node:child_process';
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import { readPart10OrBare } from '../../electron/results/deidentify';

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
