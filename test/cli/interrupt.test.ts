// Ctrl+C in a `lumen` command (electron/cli/interrupt.ts), in a real child process sent real SIGINTs:
// the first aborts the command's signal, the second ends it with 130 (unless the command asks otherwise),
// and a released command no longer catches Ctrl+C.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');

function child(mode: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'interrupt-child.ts'), mode], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const output = (text: string) => new Promise<void>((resolve) => (out.includes(text) ? resolve() : waiters.push({ text, resolve })));
  return { proc, exited, output, out: () => out };
}

describe('Ctrl+C in a command', () => {
  it('aborts the work at the first, and ends the process with 130 at the second', async () => {
    const c = child('default');
    await c.output('ready');
    c.proc.kill('SIGINT');
    await c.output('sigint 1 aborted=true');
    expect(c.proc.exitCode).toBeNull(); // still running: the work stops on its own
    c.proc.kill('SIGINT');
    expect(await c.exited).toEqual({ code: 130, signal: null });
  }, 30_000);

  it('with secondExits false, every Ctrl+C only aborts', async () => {
    const c = child('every-aborts');
    await c.output('ready');
    c.proc.kill('SIGINT');
    await c.output('sigint 1 aborted=true');
    c.proc.kill('SIGINT');
    await c.output('sigint 2 aborted=true');
    expect(c.proc.exitCode).toBeNull();
    c.proc.kill('SIGTERM');
    expect((await c.exited).signal).toBe('SIGTERM');
  }, 30_000);

  it('once released, Ctrl+C no longer aborts the signal', async () => {
    const c = child('released');
    await c.output('ready');
    c.proc.kill('SIGINT');
    await c.output('sigint 1 aborted=false');
    c.proc.kill('SIGTERM');
    await c.exited;
  }, 30_000);
});
