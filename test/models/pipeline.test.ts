// The prediction pipeline (models/inference/pipeline.ts): batch n+1 loads while batch n is
// inferred, outputs arrive in order, cancel stops between batches, and a failure leaves no
// load running and no rejection unhandled. The steps are real asynchronous work (timers), and
// the order of events is what is checked, never their duration.
import { describe, expect, it } from 'vitest';
import { emptyTimings, PipelineCancelled, runPipelined } from '../../models/inference/pipeline';

const later = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('runPipelined', () => {
  it('starts loading batch n+1 before batch n is inferred, and delivers in order', async () => {
    const events: string[] = [];
    const delivered: number[] = [];
    const timings = emptyTimings();
    await runPipelined({
      batches: 3,
      timings,
      load: async (i) => {
        events.push(`load ${i} start`);
        await later(5);
        events.push(`load ${i} end`);
        return i * 10;
      },
      infer: async (i, input) => {
        events.push(`infer ${i} start`);
        await later(20);
        events.push(`infer ${i} end`);
        return input + 1;
      },
      deliver: (_i, out) => void delivered.push(out),
    });
    expect(delivered).toEqual([1, 11, 21]);
    // Batch 1's load starts before batch 0's inference and ends while it runs.
    expect(events.indexOf('load 1 start')).toBeLessThan(events.indexOf('infer 0 start'));
    expect(events.indexOf('load 1 end')).toBeLessThan(events.indexOf('infer 0 end'));
    expect(events.indexOf('load 2 start')).toBeLessThan(events.indexOf('infer 1 start'));
    // Never more than one batch ahead: batch 2 is not loaded before batch 1's input was taken.
    expect(events.indexOf('load 2 start')).toBeGreaterThan(events.indexOf('load 1 end'));
    expect(timings.batches).toBe(3);
    expect(timings.inferenceMs).toBeGreaterThan(0);
  });

  it('stops between batches when cancelled, and lets the load in flight finish', async () => {
    const controller = new AbortController();
    const loads: number[] = [];
    let loadsEnded = 0;
    const inferred: number[] = [];
    const run = runPipelined({
      batches: 10,
      signal: controller.signal,
      load: async (i) => {
        loads.push(i);
        await later(5);
        loadsEnded++;
        return i;
      },
      infer: async (i) => {
        inferred.push(i);
        if (i === 1) controller.abort();
        await later(5);
        return i;
      },
    });
    await expect(run).rejects.toBeInstanceOf(PipelineCancelled);
    expect(inferred).toEqual([0, 1]);
    expect(loads).toEqual([0, 1, 2]);
    expect(loadsEnded).toBe(loads.length); // nothing left running
  });

  it('a failing inference rejects with its error; the load started ahead ends, its error unhandled nowhere', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = runPipelined({
        batches: 3,
        load: async (i) => {
          await later(5);
          if (i === 1) throw new Error('file 1 is damaged');
          return i;
        },
        infer: async () => {
          await later(10);
          throw new Error('the runtime failed');
        },
      });
      await expect(run).rejects.toThrow('the runtime failed');
      await later(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('does nothing for no batches', async () => {
    let loaded = false;
    await runPipelined({ batches: 0, load: async () => void (loaded = true), infer: async () => 0 });
    expect(loaded).toBe(false);
  });
});
