/**
 * WebGPU in Node goes through Dawn (the `webgpu` package): native API first
 * (Vulkan/Metal/D3D12), then Dawn's OpenGL ES backend in compatibility mode,
 * which works on stock Mesa. The probe runs in a child
 * process (models/webgpu-probe.mjs): a GPU driver can abort its process, and
 * Dawn aborts the whole process when a worker thread holding it is
 * terminated. Dawn is loaded in-process only when webgpu is actually chosen.
 *
 * Apart from runtime.ts (which loads TF.js, seconds) so that `lumen doctor` can start this
 * probe, itself seconds (a Node start and Dawn), before TF.js loads.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorLine } from '../common/errors';

export interface WebgpuProbeResult {
  available: boolean;
  reason: string;
  label?: string;
  description?: string;
  flags?: string[];
  options?: Record<string, unknown>;
}

/**
 * The installed desktop app's engine cannot start a Node process (Electron's
 * RunAsNode fuse is off, build/fuses.mjs): the app runs the same probe script
 * in a utility process of its own (electron/main/webgpu-probe.ts) and hands
 * the engine its output line in LUMEN_WEBGPU_PROBE.
 */
export function webgpuProbeFromEnv(line: string): WebgpuProbeResult {
  try {
    const parsed = JSON.parse(line) as WebgpuProbeResult;
    if (parsed && typeof parsed.available === 'boolean') return parsed;
  } catch {
    // reported below
  }
  return { available: false, reason: 'the WebGPU probe gave no answer (a crashing GPU driver is the usual cause)' };
}

let running: Promise<WebgpuProbeResult> | null = null;

/** The probe's answer (LUMEN_WEBGPU_PROBE's, else the child's), once per process; never rejects. */
export function runWebgpuProbe(): Promise<WebgpuProbeResult> {
  running ??= new Promise<WebgpuProbeResult>((resolve) => {
    const given = process.env.LUMEN_WEBGPU_PROBE;
    if (given !== undefined) return resolve(webgpuProbeFromEnv(given));
    const script = fileURLToPath(new URL('./webgpu-probe.mjs', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    if (process.platform === 'linux' && !env.EGL_PLATFORM) env.EGL_PLATFORM = 'surfaceless';
    execFile(process.execPath, [script], { env, timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as WebgpuProbeResult);
      } catch {
        resolve({ available: false, reason: `the WebGPU probe failed${err ? `: ${errorLine(err)}` : ''} (a crashing GPU driver is the usual cause)` });
      }
    });
  });
  return running;
}
