import type { JobRunner } from '../jobs';

/** What every group of engine handlers is given. */
export interface EngineDeps {
  dataDir: string;
  jobs: JobRunner;
  log: (line: string) => void;
  /** Called when the engine shuts down (close databases, release sessions). */
  onDispose(cleanup: () => void | Promise<void>): void;
  /**
   * The library watcher (library-watch.ts), where the engine has one: told of the engine's own
   * commits that no writing request makes (opening an older library, its one-time passes), so
   * they are not taken for another Lumen's.
   */
  libraryWatch?: { own(): void; writing(busy: boolean): void };
}
