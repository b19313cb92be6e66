// One Library per engine, opened on first use and closed when the engine stops.
// Both the library handlers and the prediction handlers use it.
import path from 'node:path';
import { isEncapsulated, MAX_FRAMES_PER_FILE } from '../../dicom/parse';
import { Library } from '../../library/library';
import type { InstanceRecord } from '../../library/types';
import type { PatientDetailsCheck, SpacingCheck } from '../../../common/contract/library';
import type { EngineDeps } from '../handlers/context';

interface Shared {
  library: Library | null;
  instances: Map<string, InstanceRecord[]>;
  /** The one-time read of each series' own patient details, when this engine ran it. */
  patientDetails: PatientDetailsCheck | null;
  /** The one-time read of projection X-rays' spacing, when this engine ran it. */
  spacing: SpacingCheck | null;
}

const byEngine = new WeakMap<EngineDeps, Shared>();

function shared(deps: EngineDeps): Shared {
  let s = byEngine.get(deps);
  if (!s) {
    const fresh: Shared = { library: null, instances: new Map(), patientDetails: null, spacing: null };
    byEngine.set(deps, fresh);
    deps.onDispose(() => {
      fresh.library?.close();
      fresh.library = null;
    });
    s = fresh;
  }
  return s;
}

export function libraryDir(deps: EngineDeps): string {
  return path.join(deps.dataDir, 'library');
}

export function openLibrary(deps: EngineDeps): Library {
  const s = shared(deps);
  if (!s.library) {
    // A library from before schema 15 has each series' patient details read once; at ~0.2 ms a
    // series that is seconds for a large one, so requests are answered meanwhile.
    // Likewise the spacing of projection X-rays from before schema 27 and the regions of
    // ultrasound images from before schema 28, ~60 ms per 1,000 images: read a batch a turn;
    // closing the library (the engine stopping) stops it for the next opening.
    const library = Library.open(libraryDir(deps), { log: deps.log, seriesPatients: 'later', imagerSpacing: 'later' });
    // What opening wrote (a migration, the search documents) is the engine's own.
    deps.libraryWatch?.own();
    s.library = library;
    if (library.seriesPatientsDue()) {
      s.patientDetails = runCheck(
        deps,
        { running: true, done: 0, total: 0, conflicts: 0, skipped: 0 },
        (progress) => library.readSeriesPatients(progress),
        // A failed pass is left for the next opening: all of it or none was written.
        (summary) => ({ conflicts: summary?.conflicts.length ?? 0, skipped: summary?.skipped.length ?? 0 }),
      );
    }
    if (library.imagerSpacingDue()) {
      s.spacing = runCheck(
        deps,
        { running: true, done: 0, total: 0, skipped: 0 },
        (progress) => library.readImagerSpacing(progress),
        // A failed pass is left for the next opening: each batch written is kept.
        (summary) => ({ skipped: summary?.skipped.length ?? 0 }),
      );
    }
  }
  return s.library;
}

/** The counts every one-time pass of openLibrary's gives: still running, `done` of `total`. */
interface Check {
  running: boolean;
  done: number;
  total: number;
}

/**
 * Starts a one-time pass, `check` counting it: `done` of `total` as it goes, then `ended`'s counts
 * of its summary; a pass that fails just stops running.
 */
function runCheck<C extends Check, R>(deps: EngineDeps, check: C, pass: (progress: (done: number, total: number) => void) => Promise<R>, ended: (summary: R) => Partial<C>): C {
  // Its commits are the engine's own: another Lumen's meanwhile are told when it ends (library-watch.ts).
  deps.libraryWatch?.writing(true);
  pass((done, total) => Object.assign(check, { done, total }))
    .then(
      (summary) => Object.assign(check, { running: false, ...ended(summary) }),
      () => Object.assign(check, { running: false }),
    )
    .finally(() => deps.libraryWatch?.writing(false));
  return check;
}

/**
 * What the engine's one-time pass `key` has done, a copy, or null (none ran, or its end was told
 * already: a notice shown once, the study list's marks stay).
 */
function toldOnce<K extends 'patientDetails' | 'spacing'>(deps: EngineDeps, key: K): Shared[K] {
  openLibrary(deps);
  const s = shared(deps);
  const check = s[key];
  if (check && !check.running) s[key] = null;
  return check && { ...check };
}

/** What the engine's one-time read of each series' own patient details has done, or null (toldOnce). */
export function patientDetailsCheck(deps: EngineDeps): PatientDetailsCheck | null {
  return toldOnce(deps, 'patientDetails');
}

/** What the engine's one-time read of projection X-rays' spacing and ultrasound images' regions has done, or null (toldOnce). */
export function spacingCheck(deps: EngineDeps): SpacingCheck | null {
  return toldOnce(deps, 'spacing');
}

/** The series' instances in viewing order, cached until the next import. */
export function seriesInstances(deps: EngineDeps, seriesInstanceUid: string): InstanceRecord[] {
  const s = shared(deps);
  let list = s.instances.get(seriesInstanceUid);
  if (!list) {
    list = openLibrary(deps).listInstances(seriesInstanceUid);
    if (list.length === 0) throw new Error(`The library has no series ${seriesInstanceUid}. Import it first.`);
    s.instances.set(seriesInstanceUid, list);
  }
  return list;
}

export function forgetInstances(deps: EngineDeps): void {
  shared(deps).instances.clear();
}

/** The series' images: every frame of every instance, in viewing order. */
export function seriesImages(instances: InstanceRecord[]): { instance: InstanceRecord; frame: number }[] {
  return instances.flatMap((instance) => Array.from({ length: framesOnDisk(instance) }, (_, frame) => ({ instance, frame })));
}

/**
 * The instance's frame count, at most what a file of its size can hold (native:
 * one frame's bits at one sample per pixel; compressed: an 8-byte fragment
 * header per frame). Import refuses files whose count exceeds their pixel data,
 * but a library imported before it did may hold 2^31 - 1, which must not size an array.
 */
function framesOnDisk(instance: InstanceRecord): number {
  const frameBits = (instance.rows ?? 0) * (instance.columns ?? 0) * (instance.bitsAllocated ?? 0);
  const compressed = instance.transferSyntaxUid !== null && isEncapsulated(instance.transferSyntaxUid);
  const most = compressed || !(frameBits > 0) ? Math.floor(instance.fileSize / 8) : Math.floor((instance.fileSize * 8) / frameBits);
  return Math.max(1, Math.min(instance.frames, most, MAX_FRAMES_PER_FILE));
}
