import { describe, expect, it } from 'vitest';
import { requests } from '../../common/contract';
import { createDispatcher, validateEvent, type Handlers } from '../../common/rpc';

const ctx = { emit: () => {} };

describe('the contract dispatcher', () => {
  it('answers a valid request with the handler value', async () => {
    const dispatch = createDispatcher({ 'engine.ping': ({ echo }) => ({ echo, pid: 1, uptimeMs: 2 }) });
    expect(await dispatch('engine.ping', { echo: 'hi' }, ctx)).toEqual({ ok: true, value: { echo: 'hi', pid: 1, uptimeMs: 2 } });
  });

  it('never lets a malformed message reach the handler', async () => {
    let calls = 0;
    const handlers: Partial<Handlers> = {
      'engine.ping': ({ echo }) => {
        calls++;
        return { echo, pid: 1, uptimeMs: 2 };
      },
    };
    const lines: string[] = [];
    const dispatch = createDispatcher(handlers, (l) => lines.push(l));
    const bad: [unknown, unknown][] = [
      ['engine.ping', { echo: 42 }],
      ['engine.ping', { echo: 'x', extra: true }],
      ['engine.ping', 'not an object'],
      ['engine.ping', { echo: 'x'.repeat(5000) }],
      ['__proto__', {}],
      ['constructor', {}],
      [42, {}],
      [null, null],
    ];
    for (const [method, input] of bad) {
      const reply = await dispatch(method, input, ctx);
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(['invalid_input', 'unknown_method']).toContain(reply.error.code);
    }
    expect(calls).toBe(0);
    expect(lines.length).toBe(bad.length);
  });

  it('names the field that failed', async () => {
    const dispatch = createDispatcher({});
    const reply = await dispatch('job.cancel', { jobId: 7 }, ctx);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid_input');
      expect(reply.error.issues?.[0].path).toBe('jobId');
      expect(reply.error.message).toContain('job.cancel');
    }
  });

  it('turns a throwing handler and an invalid output into error replies', async () => {
    const dispatch = createDispatcher({
      'engine.ping': () => {
        throw new Error('disk full');
      },
      'job.cancel': () => ({ cancelled: 'yes' }) as never,
    });
    const thrown = await dispatch('engine.ping', { echo: '' }, ctx);
    expect(thrown).toMatchObject({ ok: false, error: { code: 'handler_failed', message: 'disk full' } });
    const invalid = await dispatch('job.cancel', { jobId: 'a' }, ctx);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_output' } });
  });

  it('says when a known request has no handler in this process', async () => {
    const reply = await createDispatcher({})('dialog.openFolder', {}, ctx);
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('declares every request with schemas and a summary', () => {
    for (const [name, def] of Object.entries(requests)) {
      expect(name).toMatch(/^[a-z]+(\.[a-zA-Z]+)+$/);
      expect(def.summary.length).toBeGreaterThan(10);
      expect(typeof def.input.safeParse).toBe('function');
      expect(typeof def.output.safeParse).toBe('function');
    }
  });

  it('validates event payloads', () => {
    expect(validateEvent('job.progress', { jobId: 'a', kind: 'k', fraction: 0.5, message: 'm' }).ok).toBe(true);
    expect(validateEvent('job.progress', { jobId: 'a', kind: 'k', fraction: 2, message: 'm' }).ok).toBe(false);
    expect(validateEvent('nope', {}).ok).toBe(false);
  });
});
