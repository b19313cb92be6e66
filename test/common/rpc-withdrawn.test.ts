import { describe, expect, it } from 'vitest';
import { Withdrawn } from '../../common/errors';
import { createDispatcher } from '../../common/rpc';
import { FrameWithdrawn } from '../../electron/dicom/pool';

// Fast scrolling withdraws dozens of frames a second; each is what the page asked for, not a
// failure, so none may add a "request … failed" line to the engine's log.
describe('a request its caller withdrew', () => {
  it('comes back as withdrawn, and nothing is logged', async () => {
    const lines: string[] = [];
    const dispatch = createDispatcher(
      {
        'viewer.frame': () => {
          throw new FrameWithdrawn();
        },
      },
      (line) => lines.push(line),
    );
    const reply = await dispatch('viewer.frame', { seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 0 }, { emit() {} });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('withdrawn');
    expect(new FrameWithdrawn()).toBeInstanceOf(Withdrawn);
    expect(lines).toEqual([]);
  });

  it('a real failure is still logged', async () => {
    const lines: string[] = [];
    const dispatch = createDispatcher(
      {
        'viewer.frame': () => {
          throw new Error('the file is gone');
        },
      },
      (line) => lines.push(line),
    );
    const reply = await dispatch('viewer.frame', { seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 0 }, { emit() {} });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.code).toBe('handler_failed');
    expect(lines).toEqual(['request viewer.frame failed: the file is gone']);
  });
});
