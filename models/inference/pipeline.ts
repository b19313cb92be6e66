// Batches from file to score with the loading of batch n+1 overlapped with the
// inference of batch n. Loading (read, decode, window, resize) runs on the
// decode pool's worker threads and ONNX Runtime runs its session off the main
// thread, so the two proceed at once: on a 2-core machine the network then
// waits for its input only when decoding is slower than inference.

import { CancelledError } from '../../common/cancel';

/** Where the time of a pipelined run went, in milliseconds of wall time on the calling thread. */
export interface PipelineTimings {
  /** Waiting for a batch's input that was not ready when the network was (the pipeline's stalls; the first batch's load included). */
  waitForInputMs: number;
  /** Inside `infer` (packing the batch, the runtime's run, reading its output). */
  inferenceMs: number;
  /** Inside `deliver` (storing, progress). */
  deliverMs: number;
  batches: number;
}

export function emptyTimings(): PipelineTimings {
  return { waitForInputMs: 0, inferenceMs: 0, deliverMs: 0, batches: 0 };
}

export interface PipelineSteps<Input, Output> {
  /** Number of batches. */
  batches: number;
  /** Starts loading batch `i` (called for batch i+1 before batch i is inferred). */
  load(i: number): Promise<Input>;
  infer(i: number, input: Input): Promise<Output>;
  /** Receives batch i's output, in order. */
  deliver?(i: number, output: Output): void | Promise<void>;
  signal?: AbortSignal;
  /** Added to as the run goes (so a caller sees the figures of a run that failed part-way too). */
  timings?: PipelineTimings;
}

/**
 * Starts loading batch i. A load that fails while the batch before it is still being inferred
 * would be a rejection nobody handles yet (Node ends the process on one): it is marked handled
 * here, and still rejects for whoever awaits it.
 */
function loadAhead<Input>(steps: Pick<PipelineSteps<Input, unknown>, 'load'>, i: number): Promise<Input> {
  const p = steps.load(i);
  p.catch(() => undefined);
  return p;
}

/** Thrown when the signal aborts between batches: a CancelledError (isCancel). */
export class PipelineCancelled extends CancelledError {
  constructor() {
    super();
    this.name = 'PipelineCancelled';
  }
}

/**
 * Runs load → infer → deliver for every batch in order, with at most one batch
 * loading ahead of the one being inferred (so memory holds two batches' inputs,
 * not the whole series'). A failure of any step rejects with that step's error;
 * a load started ahead whose batch is never reached is awaited and its error
 * dropped, so nothing is left running or unhandled.
 */
export async function runPipelined<Input, Output>(steps: PipelineSteps<Input, Output>): Promise<void> {
  const t = steps.timings ?? emptyTimings();
  if (steps.batches <= 0) return;
  let ahead: Promise<Input> | undefined = loadAhead(steps, 0);
  try {
    for (let i = 0; i < steps.batches; i++) {
      if (steps.signal?.aborted) throw new PipelineCancelled();
      let start = performance.now();
      const input: Input = await ahead!;
      t.waitForInputMs += performance.now() - start;
      ahead = i + 1 < steps.batches ? loadAhead(steps, i + 1) : undefined;
      start = performance.now();
      const output = await steps.infer(i, input);
      t.inferenceMs += performance.now() - start;
      start = performance.now();
      await steps.deliver?.(i, output);
      t.deliverMs += performance.now() - start;
      t.batches++;
    }
  } finally {
    // A load in flight when a later step failed (or was cancelled): let it end, quietly.
    if (ahead) await ahead.then(() => undefined, () => undefined);
  }
}
