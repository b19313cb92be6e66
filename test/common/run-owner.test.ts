// A job folder's owner record (common/node/run-owner.ts): the writer is live only while that
// very process runs on this computer; an ended process, a reused id (another start time),
// another host or a record that does not read is no owner.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { liveOwner, thisProcess } from '../../common/node/run-owner';

describe('run owner records', () => {
  it('names this process while it runs', () => {
    const me = thisProcess();
    expect(me.pid).toBe(process.pid);
    expect(me.host).toBe(os.hostname());
    if (process.platform === 'linux') expect(me.started).toMatch(/^\d+$/);
    expect(liveOwner(JSON.parse(JSON.stringify(me)))).toEqual(me);
  });

  it('is no owner once the process has ended', () => {
    const ended = spawnSync(process.execPath, ['-e', '0']);
    expect(ended.status).toBe(0);
    expect(liveOwner({ pid: ended.pid, host: os.hostname() })).toBeNull();
  });

  it.runIf(process.platform === 'linux')('is no owner when the id now belongs to a process started at another time', () => {
    const me = thisProcess();
    expect(liveOwner({ ...me, started: String(Number(me.started) + 1) })).toBeNull();
  });

  it('is no owner for another computer or a record that does not read', () => {
    expect(liveOwner({ ...thisProcess(), host: `${os.hostname()}-elsewhere` })).toBeNull();
    for (const bad of [null, 'x', 42, [], {}, { pid: -1, host: os.hostname() }, { pid: 1.5, host: os.hostname() }, { pid: process.pid }, { pid: String(process.pid), host: os.hostname() }]) expect(liveOwner(bad)).toBeNull();
  });
});
