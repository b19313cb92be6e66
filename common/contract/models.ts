/**
 * The models part of the contract (see common/contract.ts for how requests
 * are declared). Kept in its own file so each area grows without touching the others.
 */
// import { z } from 'zod';
// import { Empty, JobStarted, request, Uid } from './define';

export const modelRequests = {} as const;

export const modelEvents = {} as const;
