/**
 * The desktop app's engine runs in an Electron utility process: a Node
 * environment that Electron starts itself, so the app needs neither
 * ELECTRON_RUN_AS_NODE nor the RunAsNode fuse (which build/fuses.mjs turns
 * off). It runs under Electron's Node, so it loads the Electron build of
 * better-sqlite3 (electron/library/sqlite.ts).
 */
import { utilityProcess } from 'electron';
import type { FromWorker } from '../engine/protocol';
import type { SpawnEngine } from '../engine/spawn';

export const utilityEngine: SpawnEngine = (workerPath, env) => {
  const child = utilityProcess.fork(workerPath, [], {
    env,
    serviceName: 'Lumen engine',
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let running = true;
  child.once('exit', () => {
    running = false;
  });
  return {
    get pid() {
      return child.pid;
    },
    get running() {
      return running;
    },
    // postMessage uses the structured clone, as the plain fork's 'advanced' serialization does.
    send: (message) => {
      if (running) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', (message: FromWorker) => listener(message)),
    onExit: (listener) => child.once('exit', (code) => listener(`exit code ${code}`)),
    onError: (listener) => child.on('error', (type, location) => listener(new Error(`${type} at ${location}`))),
    kill: () => {
      child.kill();
    },
  };
};
