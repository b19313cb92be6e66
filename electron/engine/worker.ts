/**
 * The engine worker: a child process owned by the main process (or the
 * bridge). It holds TF.js, ONNX Runtime, Dawn, the codecs and the library, so
 * heavy work never blocks the Electron main thread.
 *
 * A process, not a worker thread: native addons such as onnxruntime-node
 * cannot be loaded a second time in one process ("Module did not
 * self-register"), so a crashed engine thread could never be restarted; and a
 * native crash (a GPU driver, Dawn at teardown) takes down only this process,
 * never the app's window.
 */
import { validateEvent, type PathAccess } from '../../common/rpc';
import { startViewerFrameWorkers } from '../dicom/pool';
import { createEngine } from './engine';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol';
import { errorMessage } from '../../common/errors';

/** Electron's utility process talks through process.parentPort; a forked Node through process.send. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}
const parentPort = (process as { parentPort?: ParentPort }).parentPort;
if (!parentPort && !process.send) throw new Error('engine/worker.ts must run as a child process with an IPC channel');
const config = JSON.parse(process.env.LUMEN_ENGINE_CONFIG ?? '{}') as WorkerConfig;
const post = (message: FromWorker) => {
  if (parentPort) parentPort.postMessage(message);
  else if (process.connected) process.send!(message);
};
const log = (line: string) => post({ type: 'log', line });

const ctx = {
  emit(event: string, payload: unknown) {
    const checked = validateEvent(event, payload);
    if (checked.ok) post({ type: 'event', event, payload: checked.value.payload });
    else log(`dropped invalid event ${event}: ${checked.error.message}`);
  },
};
// Its own events (another Lumen changed the library) go where the requests' go.
const engine = createEngine({ ...config, log, emit: ctx.emit });
// A request that names no policy gets the narrowest its shell allows: the bridge's engine
// only the data folder, the desktop app's and the CLI's everything (their own user).
const defaultAccess: PathAccess = config.shell === 'browser' ? { roots: [] } : 'everywhere';

const onMessage = (message: ToWorker) => {
  if (!message || typeof message !== 'object') {
    log('ignored a non-object message');
    return;
  }
  if (message.type === 'shutdown') {
    engine.dispose();
    setTimeout(() => process.exit(0), 50);
    return;
  }
  if (message.type !== 'request' || typeof message.id !== 'number') {
    // Not quoted: a message carries a request's input (a search may be a patient's name).
    log('ignored a message that is not a request with a numeric id');
    return;
  }
  engine.dispatch(message.method, message.input, { ...ctx, access: message.access ?? defaultAccess }).then((reply) => post({ type: 'reply', id: message.id, reply }));
};
if (parentPort) parentPort.on('message', (e) => onMessage(e.data as ToWorker));
else process.on('message', onMessage);

// A stray rejection in a job must not take the engine down with it.
process.on('unhandledRejection', (reason) => log(`unhandled rejection in engine: ${errorMessage(reason)}`));
// The owner went away (app closed or crashed): nothing left to serve. (Electron
// ends a utility process itself when the app quits.)
process.on('disconnect', () => process.exit(0));
post({ type: 'ready', pid: process.pid });
// The viewer's decode threads load their code now, not when the first frame is asked for.
startViewerFrameWorkers();
