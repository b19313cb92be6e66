// A series-head package as a Lumen before series uncertainty heads wrote it: a copy of a
// package with series-ensemble.bin left out and metadata.json's content hash made again over
// what is left (as savePackage would have), so that it opens as a genuine, unaltered package.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { contentHash, type PackageMetadata } from '../../models/package';
import { SERIES_ENSEMBLE_BIN } from '../../models/package/series-ensemble';

/** `name`: the copy's name in metadata.json (default: the original's). */
export function withoutSeriesEnsemble(src: string, dst: string, name?: string): string {
  cpSync(src, dst, { recursive: true });
  rmSync(path.join(dst, SERIES_ENSEMBLE_BIN));
  const file = path.join(dst, 'metadata.json');
  const meta = JSON.parse(readFileSync(file, 'utf8')) as PackageMetadata;
  // The model card an older Lumen wrote said nothing of series uncertainty heads.
  const old = { ...meta, name: name ?? meta.name, modelCard: (meta.modelCard ?? '').replace(/^Series uncertainty:.*$/m, 'No uncertainty heads: a series-head package gives no uncertainty for its series or slices.') };
  writeFileSync(file, JSON.stringify({ ...old, contentHash: contentHash(dst, old) }, null, 2) + '\n');
  return dst;
}
