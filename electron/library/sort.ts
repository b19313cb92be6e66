import { sliceNormal } from '../dicom/slice-normal';
import type { InstanceRecord } from './types';

/** Position of the image along its slice normal (row cosines × column cosines), or null when unknown. */
export function positionAlongNormal(instance: Pick<InstanceRecord, 'imagePositionPatient' | 'imageOrientationPatient'>): number | null {
  const p = instance.imagePositionPatient;
  const o = instance.imageOrientationPatient;
  if (!p || p.length < 3) return null;
  if (!o || o.length < 6) return p[2]; // no orientation: axial is the usual case
  const n = sliceNormal(o);
  return p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
}

function compareNullable(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // unknowns last
  if (b === null) return -1;
  return a - b;
}

/** Viewing order: instance number, then position along the normal, then slice location, then path. */
export function sortInstances<T extends InstanceRecord>(instances: T[]): T[] {
  const keyed = instances.map((instance) => ({ instance, normal: positionAlongNormal(instance) }));
  keyed.sort(
    (a, b) =>
      compareNullable(a.instance.instanceNumber, b.instance.instanceNumber) ||
      compareNullable(a.normal, b.normal) ||
      compareNullable(a.instance.sliceLocation, b.instance.sliceLocation) ||
      (a.instance.path < b.instance.path ? -1 : a.instance.path > b.instance.path ? 1 : 0),
  );
  return keyed.map((k) => k.instance);
}
