import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';
import { openLibrary, seriesImages, seriesInstances } from '../viewer/library-access';

/** Handlers for the measurement requests of the contract (common/contract/measurements.ts). */
export function measurementHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'measurements.list': ({ seriesInstanceUid }) => openLibrary(deps).measurements(seriesInstanceUid),
    'measurements.save': ({ measurement: m }) => {
      // Only on an image the library has, so that a measurement always has an image to show it on.
      const images = seriesImages(seriesInstances(deps, m.seriesInstanceUid));
      if (!images.some(({ instance, frame }) => instance.sopInstanceUid === m.sopInstanceUid && frame === m.frame)) {
        throw new Error(`series ${m.seriesInstanceUid} has no image ${m.sopInstanceUid} (frame ${m.frame + 1}) in the library. Import the series again, then draw the measurement again.`);
      }
      return openLibrary(deps).saveMeasurement(m);
    },
    'measurements.delete': ({ id }) => ({ deleted: openLibrary(deps).deleteMeasurement(id) }),
  };
}
