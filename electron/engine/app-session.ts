// The app session an engine works for: the process that started it (the desktop app's main
// process, `lumen serve`), which restarts the engine after a crash or a hang. What must last
// as long as the app is open and not just as long as one engine (a deleted package's Undo,
// electron/engine/predict/packages.ts) is recorded under the session, not under the engine.
//
// The host names its own process in the engine's environment (LUMEN_APP_SESSION, as
// common/node/run-owner.ts records an owner: process id, host name and, on Linux, start
// time). An engine created in its own process (the CLI, tests) is its own app session.
import { liveOwner, thisProcess, type RunOwner } from '../../common/node/run-owner';

export const APP_SESSION_ENV = 'LUMEN_APP_SESSION';

/** For the engine host: the environment entry that names this process as the app session of the engine it starts. */
export function appSessionEnv(): Record<string, string> {
  return { [APP_SESSION_ENV]: JSON.stringify(thisProcess()) };
}

/**
 * In the engine: the app session its environment names, if that reads and is a live process on
 * this computer; otherwise this process.
 */
export function appSession(env: NodeJS.ProcessEnv = process.env): RunOwner {
  const named = env[APP_SESSION_ENV];
  if (named) {
    try {
      const owner = liveOwner(JSON.parse(named));
      if (owner) return owner;
    } catch {
      // not JSON: this process is the session
    }
  }
  return thisProcess();
}

/** Whether two owners name the same process (the start time compared where both have one). */
export function sameSession(a: RunOwner, b: RunOwner): boolean {
  return a.pid === b.pid && a.host === b.host && (a.started === undefined || b.started === undefined || a.started === b.started);
}
