import { describe, expect, it } from 'vitest';
import { createDispatcher, validateRequest } from '../../common/rpc';

// A key the sender wrote can be anything, a patient's ID or name pasted into the wrong place
// included. The refusal, and the engine's log line made from it, repeat an unknown key only when
// it is a field name the contract takes somewhere (a field sent to the wrong request, or in
// another case), so the sender still learns what went wrong in the common case.
const frame = { seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 0 };

function refusal(input: unknown): string {
  const reply = validateRequest('viewer.frame', input);
  expect(reply.ok).toBe(false);
  return reply.ok ? '' : reply.error.message;
}

describe('unknown keys in a request', () => {
  it('names a field of another request, or one written in another case', () => {
    expect(refusal({ ...frame, tickets: [] })).toContain('a field this request does not take: "tickets"');
    expect(refusal({ ...frame, SeriesInstanceUID: '1.2' })).toContain('"SeriesInstanceUID"');
  });

  it('does not repeat a key the contract never uses, even one that reads like a field name', () => {
    for (const key of ['PX4471', 'sePX4471stanceUid', 'DoeJane', 'patientSmith1970']) {
      const message = refusal({ ...frame, [key]: 1 });
      expect(message).not.toContain(key);
      expect(message).toContain('1 other not shown');
    }
  });

  it('keeps such a key out of the log line too', async () => {
    const lines: string[] = [];
    const dispatch = createDispatcher({}, (line) => lines.push(line));
    const reply = await dispatch('viewer.frame', { ...frame, PX4471: 1, tickets: [] }, { emit() {} });
    expect(reply.ok).toBe(false);
    expect(lines.join('\n')).toContain('"tickets"');
    expect(lines.join('\n')).not.toContain('PX4471');
  });
});
