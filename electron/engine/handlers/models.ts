import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';

/** Handlers for the models requests of the contract (common/contract/models.ts). */
export function modelsHandlers(_deps: EngineDeps): Partial<Handlers> {
  return {};
}
