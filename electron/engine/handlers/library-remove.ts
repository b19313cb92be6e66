import type { Handlers } from '../../../common/rpc';
import type { RemovalTarget } from '../../../common/contract/library-remove';
import type { EngineDeps } from './context';
import { forgetInstances, openLibrary } from '../viewer/library-access';

/** The request's target as remove.ts takes it (the contract's check lets exactly one through). */
const target = (t: { studyInstanceUid?: string; seriesInstanceUid?: string }): RemovalTarget =>
  t.seriesInstanceUid !== undefined ? { seriesInstanceUid: t.seriesInstanceUid } : { studyInstanceUid: t.studyInstanceUid! };

/** Handlers for removing a study or series and undoing it (common/contract/library-remove.ts). */
export function removeHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'library.removePreview': (input) => openLibrary(deps).removalPreview(target(input)),
    'library.remove': (input, ctx) => {
      const removed = openLibrary(deps).remove(target(input));
      forgetInstances(deps);
      ctx.emit('library.changed', { reason: 'remove', seriesInstanceUids: removed.counts.seriesInstanceUids });
      return removed;
    },
    'library.undoRemove': ({ undoToken }, ctx) => {
      const counts = openLibrary(deps).undoRemoval(undoToken);
      forgetInstances(deps);
      ctx.emit('library.changed', { reason: 'undo-remove' });
      return counts;
    },
  };
}
