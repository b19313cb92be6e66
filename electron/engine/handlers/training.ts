import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';

/** Handlers for the training requests of the contract (common/contract/training.ts). */
export function trainingHandlers(_deps: EngineDeps): Partial<Handlers> {
  return {};
}
