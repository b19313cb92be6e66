// The package knee in two versions, as training leaves them in <data folder>/models: version 2
// under the name with its report (knee.report.html), version 1 kept in knee.versions/ with its
// own (placeKeepingEarlier). Deleting the newest then moves two things aside and renames two (the
// earlier version and its report take the name): what the delete tests stop at every step.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listPackages } from '../../electron/engine/predict/packages';
import { placeKeepingEarlier } from '../../models/package/versions';
import { saveTinyNetPackage } from './tiny-package';

/** Writes knee's two versions into `dataDir`/models (made if needed); returns each version's content hash by its number. */
export async function kneeWithTwoVersions(dataDir: string): Promise<Record<string, string>> {
  const models = path.join(dataDir, 'models');
  mkdirSync(models, { recursive: true });
  const hashes: Record<string, string> = {};
  for (const v of ['1', '2']) {
    const temp = path.join(models, `knee-${v}-new`);
    await saveTinyNetPackage(temp, `knee-${v}`);
    hashes[v] = (await listPackages(dataDir)).packages.find((p) => p.dir === temp)!.contentHash;
    const kept = placeKeepingEarlier(models, temp, path.join(models, 'knee'));
    if (kept) renameSync(path.join(models, 'knee.report.html'), `${kept}.report.html`);
    writeFileSync(path.join(models, 'knee.report.html'), `<p>report of knee version ${v}</p>`);
    // Made one after the other: the versions are ordered by date made.
    await new Promise((r) => setTimeout(r, 20));
  }
  return hashes;
}
