/**
 * The engine worker: a worker_threads thread owned by the main process (or
 * the bridge). It holds TF.js, ONNX Runtime, the codecs and the library, so
 * heavy work never blocks the Electron main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { validateEvent } from '../../common/rpc';
import { createEngine } from './engine';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol';

if (!parentPort) throw new Error('engine/worker.ts must run in a worker thread');
const port = parentPort;
const config = workerData as WorkerConfig;
const post = (message: FromWorker) => port.postMessage(message);
const log = (line: string) => post({ type: 'log', line });

const engine = createEngine({ ...config, log });
const ctx = {
  emit(event: string, payload: unknown) {
    const checked = validateEvent(event, payload);
    if (checked.ok) post({ type: 'event', event, payload: checked.value.payload });
    else log(`dropped invalid event ${event}: ${checked.error.message}`);
  },
};

port.on('message', (message: ToWorker) => {
  if (!message || typeof message !== 'object') {
    log('ignored a non-object message');
    return;
  }
  if (message.type === 'shutdown') {
    engine.dispose();
    port.close();
    return;
  }
  if (message.type !== 'request' || typeof message.id !== 'number') {
    log(`ignored an unknown message: ${JSON.stringify(message).slice(0, 200)}`);
    return;
  }
  engine.dispatch(message.method, message.input, ctx).then((reply) => post({ type: 'reply', id: message.id, reply }));
});

// A stray rejection in a job must not take the engine down with it.
process.on('unhandledRejection', (reason) => log(`unhandled rejection in engine: ${String(reason)}`));
post({ type: 'ready', pid: process.pid });
