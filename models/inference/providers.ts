// ONNX Runtime's execution providers, best first: CUDA where its libraries are installed,
// WebGPU on a hardware adapter, DirectML on Windows, CoreML on macOS, then cpu. Each is
// probed for real (a session created and a Sigmoid checked), and each says why it is or is
// not used; `lumen doctor` prints the list and the runner uses the one chosen.
//
// The ranking is plain logic over facts a probe gathers (platform, what the onnxruntime-node
// build lists, whether a session works, whether WebGPU's adapter is software), so it is tested
// with the facts of other machines too.

import { errorMessage } from '../../common/errors';
export const ONNX_PROVIDER_ORDER = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'] as const;
export type OnnxProviderName = (typeof ONNX_PROVIDER_ORDER)[number];

export interface OnnxProviderProbe {
  name: string;
  /** A session was created on it and computed the right answer. */
  available: boolean;
  /** The provider Lumen runs models on: the first available one in ONNX_PROVIDER_ORDER. */
  chosen: boolean;
  reason: string;
  /** Lumen runs half-precision weights and activations on it (scores within 1e-3 of fp32; see fp16.ts). */
  fp16: boolean;
  /** Outputs Lumen does not read stay in device memory (I/O binding, preferredOutputLocation 'gpu-buffer'). */
  ioBinding: boolean;
}

/** What the probe found on this machine. */
export interface ProviderFacts {
  platform: NodeJS.Platform;
  /** onnxruntime-node's listSupportedBackends(): which providers this build has and ships. */
  listed: readonly { name: string; bundled: boolean }[];
  /** Creates a session on the provider and checks its answer; rejects with the reason it cannot. */
  tryProvider(name: string): Promise<void>;
  /** For a working webgpu: the adapter's description when it is a software rasteriser, else undefined. */
  softwareAdapter?(): Promise<string | undefined>;
}

const PLATFORMS: Partial<Record<OnnxProviderName, { platforms: NodeJS.Platform[]; what: string }>> = {
  cuda: { platforms: ['linux', 'win32'], what: 'CUDA runs on Linux and Windows only' },
  dml: { platforms: ['win32'], what: 'DirectML is part of Windows only' },
  coreml: { platforms: ['darwin'], what: 'CoreML is part of macOS only' },
};

/**
 * What Lumen uses on each provider: float16 where it has fp16 kernels (GPUs; ONNX Runtime's cpu
 * provider computes fp16 graphs by casting to fp32, slower than fp32 itself), and I/O binding
 * where onnxruntime-node can leave outputs in device memory (WebGPU's 'gpu-buffer'; its other
 * providers copy every output back).
 */
export const PROVIDER_FEATURES: Record<OnnxProviderName, { fp16: boolean; ioBinding: boolean }> = {
  cuda: { fp16: true, ioBinding: false },
  webgpu: { fp16: true, ioBinding: true },
  dml: { fp16: true, ioBinding: false },
  coreml: { fp16: true, ioBinding: false },
  cpu: { fp16: false, ioBinding: false },
};

const NOT_INSTALLED: Partial<Record<string, string>> = {
  cuda: 'not installed: onnxruntime-node\'s CUDA 12 binaries are a separate download; on a machine with an NVIDIA driver, CUDA 12 and cuDNN 9, run npm_config_onnxruntime_node_install=cuda12 npm rebuild onnxruntime-node',
  tensorrt: 'not installed (it comes with the CUDA 12 binaries)',
};

/** A provider's failure in words a user can act on. */
function failureReason(name: string, text: string): string {
  // runtime.ts's own checks before it tries a provider say exactly what is missing.
  const missing = /^no GPU adapter: (.+)$/.exec(text);
  if (missing) return `no GPU adapter for ONNX Runtime's ${name} provider: ${missing[1]}`;
  if (/RequestAdapter|adapter/i.test(text)) return `no GPU adapter for ONNX Runtime's ${name} provider (on Linux it needs a Vulkan driver: libvulkan.so.1 and a GPU's ICD)`;
  if (/libcu|cudnn|cublas|CUDA driver|no CUDA-capable/i.test(text)) return `CUDA is installed but did not start: ${text.split('\n')[0].slice(0, 200)} (check the NVIDIA driver, CUDA 12 and cuDNN 9)`;
  return `could not run a session: ${text.split('\n')[0].slice(0, 200)}`;
}

/** Probes every provider in order and marks the best available one chosen. */
export async function rankOnnxProviders(facts: ProviderFacts): Promise<OnnxProviderProbe[]> {
  const out: OnnxProviderProbe[] = [];
  const listed = new Map(facts.listed.map((b) => [b.name, b]));
  for (const name of ONNX_PROVIDER_ORDER) {
    const base = { name, chosen: false, ...PROVIDER_FEATURES[name] };
    const platform = PLATFORMS[name];
    if (platform && !platform.platforms.includes(facts.platform)) {
      out.push({ ...base, available: false, reason: `${platform.what} (this is ${facts.platform})` });
      continue;
    }
    const entry = listed.get(name);
    if (!entry) {
      out.push({ ...base, available: false, reason: 'not in this onnxruntime-node build' });
      continue;
    }
    if (!entry.bundled) {
      out.push({ ...base, available: false, reason: NOT_INSTALLED[name] ?? 'not installed with this onnxruntime-node build' });
      continue;
    }
    try {
      await facts.tryProvider(name);
    } catch (err) {
      out.push({ ...base, available: false, reason: failureReason(name, errorMessage(err)) });
      continue;
    }
    const software = name === 'webgpu' ? await facts.softwareAdapter?.() : undefined;
    if (software) {
      out.push({ ...base, available: true, reason: `works, but only on a software adapter (${software}), slower than cpu: not used` });
      continue;
    }
    out.push({ ...base, available: true, reason: 'created a session and ran a Sigmoid' });
  }
  const chosen = out.find((p) => p.available && !/software adapter/.test(p.reason));
  if (chosen) {
    chosen.chosen = true;
    chosen.reason = `chosen: ${chosen.reason}`;
    for (const p of out) if (p.available && !p.chosen && !/software adapter/.test(p.reason)) p.reason = `works; ${chosen.name} ranks higher`;
  }
  // Providers the build lists beyond Lumen's order (TensorRT): shown, never chosen.
  for (const b of facts.listed) {
    if ((ONNX_PROVIDER_ORDER as readonly string[]).includes(b.name)) continue;
    out.push({
      name: b.name,
      available: false,
      chosen: false,
      fp16: false,
      ioBinding: false,
      reason: `not used by Lumen${b.bundled ? '' : `; ${NOT_INSTALLED[b.name] ?? 'not installed'}`}`,
    });
  }
  return out;
}
