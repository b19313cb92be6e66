import type { JobRunner } from '../jobs';

/** What every group of engine handlers is given. */
export interface EngineDeps {
  dataDir: string;
  jobs: JobRunner;
  log: (line: string) => void;
  /** Called when the engine shuts down (close databases, release sessions). */
  onDispose(cleanup: () => void | Promise<void>): void;
}
