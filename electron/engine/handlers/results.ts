import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';
import { openLibrary } from '../viewer/library-access';

/** Handlers for the result requests of the contract (common/contract/results.ts). */
export function resultHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'results.study': ({ studyInstanceUid }) => openLibrary(deps).studyResults(studyInstanceUid),
    'results.notShown': ({ studyInstanceUid }) => ({ otherPatient: openLibrary(deps).otherPatientResults(studyInstanceUid) }),
    'results.map': ({ sopInstanceUid, frame }) => {
      const map = openLibrary(deps).parametricMap(sopInstanceUid, frame);
      if (!map) return null;
      const { values, rows, columns, min, max, title } = map;
      // A copy of the values alone: a structured clone of a view sends its whole buffer.
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
      return { classIndex: 0, rows, columns, values: bytes, min, max, reference: max > 0 ? max : 1, title, mapSopInstanceUid: map.sopInstanceUid };
    },
  };
}
