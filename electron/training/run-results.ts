// A model package's training results for the Training tab's plots (training.results): what
// writePackage (train.ts) records in the provenance, checked against the contract, since a
// package may come from anywhere. What is not there is said in words, never as a parse error.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPORT_SUFFIX } from '../../common/contract/training';
import { StoredEpoch, StoredEvaluation, type RunResults } from '../../common/contract/run-results';
import { loadPackage } from '../../models/package';
import { describeDomain } from '../../models/package/domain';

/** The report train.ts writes beside a package: `<package folder>.report.html`. */
export const reportPathOf = (packageDir: string) => `${path.resolve(packageDir)}${REPORT_SUFFIX}`;

export async function readRunResults(packageDir: string): Promise<RunResults> {
  const pkg = await loadPackage(packageDir);
  const { metadata } = pkg;
  const training = metadata.provenance.training as Record<string, unknown> | undefined;
  const missing: string[] = [];
  const evaluation = (training?.evaluation ?? {}) as Record<string, unknown>;
  const read = (which: 'test' | 'validation') => {
    if (evaluation[which] === undefined) {
      missing.push(`no ${which} evaluation (a package trained outside Lumen, or by a Lumen that did not record it)`);
      return null;
    }
    const parsed = StoredEvaluation.safeParse(evaluation[which]);
    if (parsed.success) return parsed.data;
    missing.push(`a ${which} evaluation this Lumen cannot read`);
    return null;
  };
  const test = read('test');
  const validation = read('validation');
  let history: z.infer<typeof StoredEpoch>[] = [];
  if (training?.history === undefined) missing.push('no epoch history');
  else {
    const parsed = z.array(StoredEpoch).max(100_000).safeParse(training.history);
    if (parsed.success) history = parsed.data;
    else missing.push('an epoch history this Lumen cannot read');
  }
  const report = reportPathOf(pkg.dir);
  const hasReport = existsSync(report) && statSync(report).isFile();
  if (!hasReport) missing.push('no HTML report beside the package (a package imported from a .lumenpkg file carries none)');
  return {
    name: metadata.name,
    packageDir: pkg.dir,
    contentHash: metadata.contentHash,
    classNames: metadata.classNames,
    test,
    validation,
    history,
    reportPath: hasReport ? report : null,
    missing,
    calibration: metadata.calibration
      ? { temperature: metadata.calibration.temperature, applied: metadata.calibration.applied, ...(metadata.calibration.reason ? { reason: metadata.calibration.reason } : {}), validation: metadata.calibration.validation, ...(metadata.calibration.test ? { test: metadata.calibration.test } : {}) }
      : null,
    level: metadata.seriesHead ? 'series' : 'image',
    domain: describeDomain(metadata.domain),
  };
}
