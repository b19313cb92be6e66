// Many small CT files for the concurrency and interruption tests (T, session 18): each dcmtk's
// bytes. One slice is written by dump2dcm; the copies differ only in the digits of their UIDs and
// patient ID, replaced in place (same lengths), so each copy is a new instance dump2dcm wrote.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ManyCt {
  dir: string;
  studyUids: string[];
  seriesUids: string[];
  files: number;
}

/** `studies` patients of one study each, `series` series a study, `slices` files a series, under `dir/study<n>/`. */
export function writeManyCt(dir: string, o: { studies: number; series: number; slices: number; root: string; name: string }): ManyCt {
  const R = `1.2.826.0.1.3680043.9.7777.${o.root}`;
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), '.tpl-'));
  const raw = path.join(work, 'p.raw');
  const px = Buffer.alloc(32 * 32 * 2);
  for (let i = 0; i < 32 * 32; i++) px.writeUInt16LE((i * 7) % 4000, i * 2);
  fs.writeFileSync(raw, px);
  const dump = path.join(work, 't.dump');
  fs.writeFileSync(
    dump,
    [
      '(0002,0002) UI =CTImageStorage',
      `(0002,0003) UI [${R}.3.444444.555555.666666]`,
      '(0002,0010) UI =LittleEndianExplicit',
      '(0008,0016) UI =CTImageStorage',
      `(0008,0018) UI [${R}.3.444444.555555.666666]`,
      '(0008,0020) DA [20240101]',
      '(0008,0060) CS [CT]',
      `(0010,0010) PN [${o.name}^777777]`,
      `(0010,0020) LO [${o.name}777777]`,
      `(0020,000d) UI [${R}.1.111111]`,
      `(0020,000e) UI [${R}.2.222222.333333]`,
      '(0020,0013) IS [1]',
      '(0028,0002) US 1',
      '(0028,0004) CS [MONOCHROME2]',
      '(0028,0010) US 32',
      '(0028,0011) US 32',
      '(0028,0100) US 16',
      '(0028,0101) US 12',
      '(0028,0102) US 11',
      '(0028,0103) US 0',
      `(7fe0,0010) OW =${raw}`,
    ].join('\n') + '\n',
  );
  execFileSync('dump2dcm', [dump, path.join(work, 't.dcm')], { stdio: 'pipe' });
  const template = fs.readFileSync(path.join(work, 't.dcm'));
  fs.rmSync(work, { recursive: true, force: true });
  const replace = (b: Buffer, from: string, to: string) => {
    const f = Buffer.from(from);
    for (let at = b.indexOf(f); at !== -1; at = b.indexOf(f, at + f.length)) Buffer.from(to).copy(b, at);
  };
  const pad = (n: number) => String(n).padStart(6, '0');
  const studyUids: string[] = [];
  const seriesUids: string[] = [];
  for (let s = 1; s <= o.studies; s++) {
    studyUids.push(`${R}.1.${pad(s)}`);
    fs.mkdirSync(path.join(dir, `study${s}`), { recursive: true });
    for (let r = 1; r <= o.series; r++) {
      seriesUids.push(`${R}.2.${pad(s)}.${pad(r)}`);
      for (let i = 1; i <= o.slices; i++) {
        const b = Buffer.from(template);
        for (const [from, to] of [['111111', s], ['222222', s], ['333333', r], ['444444', s], ['555555', r], ['666666', i], ['777777', s]] as const) replace(b, from, pad(to));
        fs.writeFileSync(path.join(dir, `study${s}`, `s${r}-${i}.dcm`), b);
      }
    }
  }
  return { dir, studyUids, seriesUids, files: o.studies * o.series * o.slices };
}
