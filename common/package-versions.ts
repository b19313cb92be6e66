// The words the app and the CLI give a model package's versions (models/package/versions.ts:
// a training run that reuses a name keeps the earlier package as a version).
import { METRIC_NAMES } from './metric-words';

/** The metric versions are compared by in lists: the test AUC (per patient where there is one), else null. */
export function keyMetric(metrics: Record<string, number> | undefined): { name: string; label: string; value: number } | null {
  const auc = METRIC_NAMES.auc;
  const known: [string, string][] = [['test.perPatient.auc', `test ${auc} per patient`], ['test.auc', `test ${auc}`], ['test.perSeries.auc', `test ${auc} per series`], ['validation.auc', `validation ${auc}`]];
  for (const [name, label] of known) {
    const value = metrics?.[name];
    if (typeof value === 'number' && Number.isFinite(value)) return { name, label, value };
  }
  return null;
}

/** "test ROC AUC 0.912", or "no test metric". */
export function keyMetricText(metrics: Record<string, number> | undefined): string {
  const k = keyMetric(metrics);
  return k ? `${k.label} ${k.value.toFixed(3)}` : 'no test metric';
}

/**
 * The packages shown at the top of a list (those under their names, and earlier versions whose
 * newest is gone), each with its earlier versions newest first.
 */
export function groupVersions<T extends { dir: string; version?: number; earlierVersionOf?: string }>(packages: readonly T[]): { pkg: T; earlier: T[] }[] {
  const dirs = new Set(packages.map((p) => p.dir));
  const top = packages.filter((p) => !p.earlierVersionOf || !dirs.has(p.earlierVersionOf));
  return top.map((pkg) => ({
    pkg,
    earlier: pkg.earlierVersionOf ? [] : packages.filter((p) => p.earlierVersionOf === pkg.dir).sort((a, b) => (b.version ?? 0) - (a.version ?? 0)),
  }));
}
