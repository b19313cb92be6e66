import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';
import { openLibrary } from '../viewer/library-access';

/** Handlers for the result requests of the contract (common/contract/results.ts). */
export function resultHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'results.study': ({ studyInstanceUid }) => openLibrary(deps).studyResults(studyInstanceUid),
  };
}
