/**
 * WebGPU for the desktop app's engine. The engine learns whether Dawn works by
 * running models/webgpu-probe.mjs in a process of its own (a GPU driver can
 * abort the process that tries it); in the installed app it cannot start one
 * (the RunAsNode fuse is off), so the main process runs the probe in a utility
 * process, once, and the engine reads its answer from LUMEN_WEBGPU_PROBE
 * (models/runtime.ts).
 */
import { utilityProcess } from 'electron';

const PROBE_DEADLINE_MS = 30_000;

/** The probe's JSON line; on a crash or a hang, a line saying WebGPU is unavailable and why. */
export function runWebgpuProbe(script: string): Promise<string> {
  const unavailable = (reason: string) => JSON.stringify({ available: false, reason });
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (process.platform === 'linux' && !env.EGL_PLATFORM) env.EGL_PLATFORM = 'surfaceless';
    let child: Electron.UtilityProcess;
    try {
      child = utilityProcess.fork(script, [], { env, serviceName: 'Lumen WebGPU probe', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      resolve(unavailable('the WebGPU probe could not start'));
      return;
    }
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill();
      resolve(unavailable(`the WebGPU probe did not answer within ${PROBE_DEADLINE_MS / 1000} s (a hanging GPU driver is the usual cause)`));
    }, PROBE_DEADLINE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      resolve(line || unavailable('the WebGPU probe stopped without an answer (a crashing GPU driver is the usual cause)'));
    });
  });
}
