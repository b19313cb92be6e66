/** Building blocks every part of the contract uses. */
import { z } from 'zod';

export const Uid = z.string().min(1).max(64).regex(/^[0-9.]+$/, 'a DICOM UID is digits and dots');
export const JobId = z.string().min(1).max(64);
export const Empty = z.object({}).strict();
/** What a request that starts a long job answers at once; the rest comes as job.* events. */
export const JobStarted = z.object({ jobId: JobId });

/** Declares a request; `runsIn` defaults to the engine worker. */
export function request<I extends z.ZodType, O extends z.ZodType>(def: {
  input: I;
  output: O;
  summary: string;
  runsIn?: 'main' | 'engine';
}) {
  return { runsIn: 'engine' as 'main' | 'engine', ...def };
}
