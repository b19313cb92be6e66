import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';
import { openLibrary } from '../viewer/library-access';

/** Handlers for the result requests of the contract (common/contract/results.ts). */
export function resultHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'results.study': ({ studyInstanceUid }) => openLibrary(deps).studyResults(studyInstanceUid),
    'results.map': ({ sopInstanceUid, frame }) => {
      const map = openLibrary(deps).parametricMap(sopInstanceUid, frame);
      if (!map) return null;
      const { values, rows, columns, min, max, title } = map;
      const base64 = Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
      return { classIndex: 0, rows, columns, values: base64, min, max, reference: max > 0 ? max : 1, title, mapSopInstanceUid: map.sopInstanceUid };
    },
  };
}
