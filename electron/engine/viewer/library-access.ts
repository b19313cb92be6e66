// One Library per engine, opened on first use and closed when the engine stops.
// Both the library handlers and the prediction handlers use it.
import path from 'node:path';
import { isEncapsulated, MAX_FRAMES_PER_FILE } from '../../dicom/parse';
import { Library } from '../../library/library';
import type { InstanceRecord } from '../../library/types';
import type { EngineDeps } from '../handlers/context';

interface Shared {
  library: Library | null;
  instances: Map<string, InstanceRecord[]>;
}

const byEngine = new WeakMap<EngineDeps, Shared>();

function shared(deps: EngineDeps): Shared {
  let s = byEngine.get(deps);
  if (!s) {
    const fresh: Shared = { library: null, instances: new Map() };
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
  s.library ??= Library.open(libraryDir(deps), { log: deps.log });
  return s.library;
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
