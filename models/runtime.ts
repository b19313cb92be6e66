/**
 * Runtime selection: which TensorFlow.js backend and which ONNX Runtime
 * providers this machine can really use, and why the others cannot.
 *
 * Every probe does real work (loads the package, creates the backend, runs a
 * small op and reads it back), because "the package is installed" and "it
 * works" differ: libtensorflow may be missing, a GPU driver may refuse Dawn.
 *
 * Order, best first: tensorflow (tfjs-node-gpu, then tfjs-node) > webgpu on a
 * hardware adapter > wasm > webgpu on a software adapter > cpu. WebGPU is not
 * ranked above wasm unconditionally: on a machine whose only adapter is
 * a software rasteriser (llvmpipe, SwiftShader, lavapipe) WebGPU works but is
 * slower than wasm, so we rank it below and say so in its reason.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ONNX_PROVIDER_ORDER, rankOnnxProviders, type OnnxProviderName, type OnnxProviderProbe } from './inference/providers';
import { errorLine } from '../common/errors';
import { runWebgpuProbe, type WebgpuProbeResult } from './webgpu-probe-child';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendProbe {
  name: BackendName;
  available: boolean;
  reason: string;
  /** Package, adapter or device actually used. */
  detail?: string;
}

export interface OnnxRuntimeProbe {
  version: string | null;
  /** Best first; `chosen` marks the one models run on. */
  providers: OnnxProviderProbe[];
}

// TF.js's cpu backend greets every Node process on its first use with a banner
// recommending tfjs-node ("Hi, looks like you are running TensorFlow.js in
// Node.js"); Lumen already says which backend runs and why (lumen doctor), so
// the CLI's output and the engine's log stay free of it. Prod mode only silences
// tfjs's warnings; it changes no kernel.
tf.enableProdMode();

const require = createRequire(import.meta.url);
const SOFTWARE_ADAPTER = /llvmpipe|swiftshader|lavapipe|softpipe|software/i;

let webgpuSoftware = false;
const probes = new Map<BackendName, Promise<BackendProbe>>();

function message(err: unknown): string {
  return errorLine(err);
}

/** Run a tiny computation on the current backend and check the answer. */
async function smokeTest(): Promise<void> {
  const a = tf.tensor1d([1, 2, 3]);
  const b = a.square().sum();
  const [value] = await b.data();
  tf.dispose([a, b]);
  if (Math.abs(value - 14) > 1e-4) throw new Error(`smoke test computed ${value}, expected 14`);
}

async function tryBackend(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
  await smokeTest();
}

async function probeTensorflow(): Promise<BackendProbe> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // tfjs-node registers the 'tensorflow' backend on the shared tfjs-core as it loads.
      require(pkg);
      await tryBackend('tensorflow');
      return { name: 'tensorflow', available: true, reason: `${pkg} loaded libtensorflow`, detail: pkg };
    } catch (err) {
      const text = message(err);
      reasons.push(/Cannot find module/.test(text) ? `${pkg} is not installed` : `${pkg}: ${text}`);
    }
  }
  return {
    name: 'tensorflow',
    available: false,
    reason: `${reasons.join('; ')} (optional dependencies: their install downloads libtensorflow, which needs internet access at install time)`,
  };
}

export { webgpuProbeFromEnv, type WebgpuProbeResult } from './webgpu-probe-child';

let webgpuFound: WebgpuProbeResult | null = null;

/** WebGPU through Dawn, probed in a child process (webgpu-probe-child.ts says why). */
async function probeWebgpu(): Promise<BackendProbe> {
  const result = await runWebgpuProbe();
  if (!result.available) return { name: 'webgpu', available: false, reason: result.reason };
  webgpuFound = result;
  webgpuSoftware = SOFTWARE_ADAPTER.test(result.description ?? '');
  const detail = `${result.label}: ${result.description}`;
  return {
    name: 'webgpu',
    available: true,
    reason: webgpuSoftware
      ? `works on a software adapter (${result.description}); ranked below wasm because it is slower there`
      : `Dawn ${result.label} adapter`,
    detail,
  };
}

/** Load Dawn and the TF.js WebGPU backend in this process, with the adapter the probe found. */
async function activateWebgpu(): Promise<void> {
  if (!webgpuFound) throw new Error('WebGPU was not probed or is not available');
  const dawn = require('webgpu') as { create(flags: string[]): any; globals: Record<string, unknown> };
  if (process.platform === 'linux' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const gpu = dawn.create(webgpuFound.flags ?? []);
  const options = webgpuFound.options ?? {};
  Object.assign(globalThis, dawn.globals);
  // tfjs-backend-webgpu asks navigator.gpu for an adapter with its own
  // options; keep ours (the feature level) by wrapping requestAdapter.
  const wrapped = {
    requestAdapter: (opts?: Record<string, unknown>) => gpu.requestAdapter({ ...opts, ...options }),
    getPreferredCanvasFormat: () => 'rgba8unorm',
    wgslLanguageFeatures: gpu.wgslLanguageFeatures,
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped, userAgent: 'node' }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  await tryBackend('webgpu');
}

async function probeWasm(): Promise<BackendProbe> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    await tryBackend('wasm');
    return { name: 'wasm', available: true, reason: 'WebAssembly SIMD backend (one thread in Node)' };
  } catch (err) {
    return { name: 'wasm', available: false, reason: message(err) };
  }
}

async function probeCpu(): Promise<BackendProbe> {
  try {
    await tryBackend('cpu');
    return { name: 'cpu', available: true, reason: 'plain JavaScript kernels (slow; always works)' };
  } catch (err) {
    return { name: 'cpu', available: false, reason: message(err) };
  }
}

const PROBERS: Record<BackendName, () => Promise<BackendProbe>> = {
  tensorflow: probeTensorflow,
  webgpu: probeWebgpu,
  wasm: probeWasm,
  cpu: probeCpu,
};

/** Probe one backend (once per process; later calls return the same answer). */
export function probeBackend(name: BackendName): Promise<BackendProbe> {
  let probe = probes.get(name);
  if (!probe) {
    probe = PROBERS[name]();
    probes.set(name, probe);
  }
  return probe;
}

/** Probe every backend; the report is in order. Leaves the best one active. */
export async function probeBackends(): Promise<BackendProbe[]> {
  // WebGPU's probe is a child process (seconds: a Node start and Dawn) that touches nothing of
  // TF.js here: it runs while the in-process backends take their turns (each switches TF.js's
  // backend, so they go one at a time).
  const webgpu = probeBackend('webgpu');
  for (const name of BACKEND_ORDER) if (name !== 'webgpu') await probeBackend(name);
  await webgpu;
  const results = await Promise.all(BACKEND_ORDER.map((name) => probeBackend(name)));
  // Probing switches backends; put back the chosen one (or choose now).
  if (active) await activate(active);
  else await initBackend();
  return results;
}

function rank(probe: BackendProbe): number {
  if (!probe.available) return 100;
  if (probe.name === 'webgpu' && webgpuSoftware) return 2.5;
  return BACKEND_ORDER.indexOf(probe.name);
}

let active: BackendName | null = null;
let webgpuLoaded = false;

async function activate(name: BackendName): Promise<void> {
  if (name === 'webgpu' && !webgpuLoaded) {
    await activateWebgpu();
    webgpuLoaded = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
}

/**
 * Pick and activate a TF.js backend. `prefer` (or LUMEN_TF_BACKEND) forces one;
 * forcing an unavailable backend is an error that carries its reason.
 * Without a preference, probing stops at the first backend that ranks best.
 */
export async function initBackend(prefer?: BackendName | null): Promise<BackendName> {
  const forced = prefer ?? (process.env.LUMEN_TF_BACKEND as BackendName | undefined) ?? null;
  if (forced) {
    if (!BACKEND_ORDER.includes(forced)) throw new Error(`Unknown TF.js backend "${forced}". Choose one of ${BACKEND_ORDER.join(', ')}.`);
    const probe = await probeBackend(forced);
    if (!probe.available) throw new Error(`The ${forced} backend is not available: ${probe.reason}`);
    await activate(forced);
    active = forced;
    return forced;
  }
  const found: BackendProbe[] = [];
  for (const name of BACKEND_ORDER) {
    const probe = await probeBackend(name);
    found.push(probe);
    // tensorflow, or a hardware webgpu, cannot be beaten: stop probing.
    if (probe.available && rank(probe) < 2) break;
  }
  const best = found.filter((p) => p.available).sort((a, b) => rank(a) - rank(b))[0];
  if (!best) throw new Error(`No TF.js backend works here: ${found.map((p) => `${p.name}: ${p.reason}`).join('; ')}`);
  await activate(best.name);
  active = best.name;
  return best.name;
}

export function activeBackend(): BackendName | null {
  return active;
}

/**
 * ONNX Runtime: its version and its execution providers best first (models/inference/providers.ts),
 * each with why it is or is not used; the first that works is chosen.
 */
export async function probeOnnxRuntime(): Promise<OnnxRuntimeProbe> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = require('onnxruntime-node');
  } catch (err) {
    return { version: null, providers: [{ name: 'cpu', available: false, chosen: false, fp16: false, ioBinding: false, reason: `onnxruntime-node did not load: ${message(err)}` }] };
  }
  const version = ort.env?.versions?.node ?? ort.env?.versions?.common ?? null;
  const providers = await rankOnnxProviders({
    platform: process.platform,
    listed: ort.listSupportedBackends(),
    async tryProvider(name) {
      // Without a Vulkan loader and a driver ONNX Runtime's WebGPU cannot start on Linux, and trying
      // runs Dawn in this process, which prints its "Found no drivers" warning on stderr.
      if (name === 'webgpu' && process.platform === 'linux') {
        if (!vulkanLoaderFound()) throw new Error('no GPU adapter: RequestAdapter needs libvulkan.so.1, which is not installed');
        if (!vulkanDriverFound()) throw new Error('no GPU adapter: no Vulkan driver (ICD) installed');
      }
      const session = await ort.InferenceSession.create(tinyOnnxModel(), { executionProviders: [name] });
      try {
        const input = new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]);
        const out = await session.run({ x: input });
        const y = out.y.data as Float32Array;
        if (Math.abs(y[3] - 1 / (1 + Math.exp(-4))) > 1e-5) throw new Error('wrong result from a Sigmoid');
      } finally {
        await session.release();
      }
    },
    // ONNX Runtime's WebGPU and TF.js's go through Dawn on the same drivers: the TF.js probe names the adapter.
    async softwareAdapter() {
      const probe = await probeBackend('webgpu');
      return probe.available && webgpuSoftware ? (probe.detail ?? 'a software adapter') : undefined;
    },
  });
  return { version, providers };
}

/** Whether the Vulkan loader (libvulkan.so.1) is where the dynamic linker looks on Linux. */
function vulkanLoaderFound(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')));
}

/**
 * Whether a Vulkan driver is installed: an ICD manifest (*.json) where the Vulkan loader looks
 * on Linux, or a file named by VK_DRIVER_FILES / VK_ICD_FILENAMES (which replace that search).
 */
export function vulkanDriverFound(env: NodeJS.ProcessEnv = process.env): boolean {
  const named = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  if (named) return named.split(':').filter(Boolean).some((f) => existsSync(f));
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const dirs = ['/etc/vulkan/icd.d', ...(env.XDG_CONFIG_DIRS ?? '').split(':').filter(Boolean).map((d) => path.join(d, 'vulkan/icd.d')), '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', ...dataDirs.map((d) => path.join(d, 'vulkan/icd.d'))];
  if (env.HOME) dirs.push(path.join(env.HOME, '.local/share/vulkan/icd.d'));
  return dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

let chosenProvider: Promise<OnnxProviderName> | undefined;

/**
 * The ONNX Runtime provider models run on here: the first that works in
 * ONNX_PROVIDER_ORDER (probed once per process), or LUMEN_ONNX_PROVIDER when set.
 */
export function chosenOnnxProvider(): Promise<OnnxProviderName> {
  chosenProvider ??= (async () => {
    const forced = process.env.LUMEN_ONNX_PROVIDER;
    if (forced) {
      if (!(ONNX_PROVIDER_ORDER as readonly string[]).includes(forced)) throw new Error(`LUMEN_ONNX_PROVIDER is "${forced}": it must be one of ${ONNX_PROVIDER_ORDER.join(', ')} (or unset, for the best available).`);
      return forced as OnnxProviderName;
    }
    const { providers } = await probeOnnxRuntime();
    return (providers.find((p) => p.chosen)?.name ?? 'cpu') as OnnxProviderName;
  })();
  return chosenProvider;
}

/**
 * A one-node ONNX graph, y = Sigmoid(x), x: float[1,4], hand-encoded as a
 * protobuf so that probing needs no file on disk.
 */
function tinyOnnxModel(): Uint8Array {
  const bytes: number[] = [];
  const varint = (out: number[], n: number) => {
    while (n > 127) {
      out.push((n & 127) | 128);
      n >>>= 7;
    }
    out.push(n);
  };
  const field = (out: number[], num: number, payload: number[] | string) => {
    const data = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : payload;
    varint(out, (num << 3) | 2);
    varint(out, data.length);
    out.push(...data);
  };
  const int = (out: number[], num: number, value: number) => {
    varint(out, num << 3);
    varint(out, value);
  };
  const valueInfo = (name: string) => {
    const dims: number[] = [];
    for (const d of [1, 4]) {
      const dim: number[] = [];
      int(dim, 1, d);
      field(dims, 1, dim);
    }
    const tensorType: number[] = [];
    int(tensorType, 1, 1); // FLOAT
    field(tensorType, 2, dims);
    const type: number[] = [];
    field(type, 1, tensorType);
    const vi: number[] = [];
    field(vi, 1, name);
    field(vi, 2, type);
    return vi;
  };
  const node: number[] = [];
  field(node, 1, 'x');
  field(node, 2, 'y');
  field(node, 4, 'Sigmoid');
  const graph: number[] = [];
  field(graph, 1, node);
  field(graph, 2, 'probe');
  field(graph, 11, valueInfo('x'));
  field(graph, 12, valueInfo('y'));
  int(bytes, 1, 8); // ir_version
  const opset: number[] = [];
  int(opset, 2, 17);
  field(bytes, 8, opset);
  field(bytes, 7, graph);
  return new Uint8Array(bytes);
}

export function machineSummary(): { platform: string; arch: string; cpus: number; cpuModel: string } {
  const cpus = os.cpus();
  return { platform: process.platform, arch: process.arch, cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown' };
}
