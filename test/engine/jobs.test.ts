import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../electron/engine/jobs';

function record() {
  const events: { event: string; payload: any }[] = [];
  return { events, ctx: { emit: (event: string, payload: unknown) => events.push({ event, payload: payload as any }) } };
}

const until = async (pred: () => boolean) => {
  while (!pred()) await new Promise((r) => setTimeout(r, 5));
};

describe('job progress', () => {
  it('rate-limits progress without losing the latest update', async () => {
    const { events, ctx } = record();
    const jobs = new JobRunner();
    jobs.start('burst', ctx as any, async (job) => {
      // 50 updates within a few milliseconds: most are coalesced, the last one must arrive.
      for (let i = 1; i <= 50; i++) job.progress(i / 100, `step ${i}`, { epoch: i });
      await new Promise((r) => setTimeout(r, 250));
      return 'ok';
    });
    await until(() => events.some((e) => e.event === 'job.finished'));
    const progress = events.filter((e) => e.event === 'job.progress');
    expect(progress.length).toBeLessThan(10);
    expect(progress.at(-1)!.payload.detail).toEqual({ epoch: 50 });
    expect(events.at(-1)!.event).toBe('job.finished');
  });

  it('sends a waiting update before the end event', async () => {
    const { events, ctx } = record();
    const jobs = new JobRunner();
    jobs.start('quick', ctx as any, async (job) => {
      job.progress(0.1, 'first');
      job.progress(0.5, 'epoch end', { epoch: 3 });
      return 'done';
    });
    await until(() => events.some((e) => e.event === 'job.finished'));
    const names = events.map((e) => (e.event === 'job.progress' ? e.payload.message : e.event));
    expect(names).toEqual(['first', 'epoch end', 'job.finished']);
  });
});
