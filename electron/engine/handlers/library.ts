import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';

/** Handlers for the library requests of the contract (common/contract/library.ts). */
export function libraryHandlers(_deps: EngineDeps): Partial<Handlers> {
  return {};
}
