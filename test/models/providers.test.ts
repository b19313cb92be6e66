// ONNX Runtime's execution providers best first, each with the reason it is or is not used:
// probed for real on this machine (no GPU: cpu is chosen), and ranked from the facts of
// other machines (a CUDA box, Windows with DirectML, a Mac, a software WebGPU adapter).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankOnnxProviders, type ProviderFacts } from '../../models/inference/providers';
import { chosenOnnxProvider, probeOnnxRuntime } from '../../models/runtime';

const ALL = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: true },
  { name: 'dml', bundled: true },
  { name: 'coreml', bundled: true },
];

function facts(over: Partial<ProviderFacts> & { failing?: Record<string, string> }): ProviderFacts {
  return {
    platform: 'linux',
    listed: ALL,
    async tryProvider(name) {
      const why = over.failing?.[name];
      if (why) throw new Error(why);
    },
    ...over,
  };
}

const byName = (list: { name: string }[]) => Object.fromEntries(list.map((p) => [p.name, p])) as Record<string, Awaited<ReturnType<typeof rankOnnxProviders>>[number]>;

describe('ONNX Runtime providers on this machine', () => {
  it('chooses cpu and says why CUDA, WebGPU, DirectML and CoreML are not used', async () => {
    const { version, providers } = await probeOnnxRuntime();
    expect(version).toMatch(/^\d+\.\d+/);
    expect(providers.slice(0, 5).map((p) => p.name)).toEqual(['cuda', 'webgpu', 'dml', 'coreml', 'cpu']);
    const p = byName(providers);
    expect(p.cpu).toMatchObject({ available: true, chosen: true, fp16: false });
    expect(providers.filter((x) => x.chosen)).toHaveLength(1);
    expect(p.cuda.available).toBe(false);
    expect(p.cuda.reason).toMatch(/not installed.*CUDA 12/);
    expect(p.webgpu.chosen).toBe(false);
    expect(p.webgpu.reason).toMatch(/adapter/); // no GPU adapter here (or only a software one)
    expect(p.dml.reason).toBe('DirectML is part of Windows only (this is linux)');
    expect(p.coreml.reason).toBe('CoreML is part of macOS only (this is linux)');
    await expect(chosenOnnxProvider()).resolves.toBe('cpu');
  });

  it('lumen doctor prints the providers best first with the chosen one marked', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'doctor', '--json'], { encoding: 'utf8', cwd: path.resolve(__dirname, '../..'), timeout: 120_000 });
    expect(res.status, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    const chosen = report.onnxruntime.providers.filter((p: { chosen: boolean }) => p.chosen);
    expect(chosen.map((p: { name: string }) => p.name)).toEqual(['cpu']);
    expect(report.onnxruntime.providers[0].name).toBe('cuda');
  });
});

describe('ranking ONNX Runtime providers from the facts of other machines', () => {
  it('a Linux machine with CUDA working: cuda first, with fp16; cpu works but ranks lower', async () => {
    const p = byName(await rankOnnxProviders(facts({ failing: { webgpu: 'Failed to get a WebGPU adapter: RequestAdapter returned null' } })));
    expect(p.cuda).toMatchObject({ available: true, chosen: true, fp16: true });
    expect(p.cuda.reason).toMatch(/^chosen/);
    expect(p.webgpu.reason).toMatch(/no GPU adapter.*Vulkan/);
    expect(p.cpu).toMatchObject({ available: true, chosen: false, reason: 'works; cuda ranks higher' });
  });

  it('CUDA installed but its libraries missing: says so, and falls to the next that works', async () => {
    const list = await rankOnnxProviders(facts({ failing: { cuda: 'Failed to load library libcudnn.so.9: cannot open shared object file' } }));
    const p = byName(list);
    expect(p.cuda.available).toBe(false);
    expect(p.cuda.reason).toMatch(/did not start.*cuDNN 9/);
    expect(p.webgpu).toMatchObject({ chosen: true, ioBinding: true });
  });

  it('WebGPU only on a software adapter is not used: cpu is chosen', async () => {
    const list = await rankOnnxProviders(facts({ listed: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'cuda', bundled: false }], softwareAdapter: async () => 'llvmpipe (LLVM 15.0.6)' }));
    const p = byName(list);
    expect(p.webgpu).toMatchObject({ available: true, chosen: false });
    expect(p.webgpu.reason).toMatch(/software adapter \(llvmpipe.*not used/);
    expect(p.cpu.chosen).toBe(true);
    expect(p.cuda.reason).toMatch(/not installed/);
  });

  it('Windows: DirectML when there is no CUDA; macOS: CoreML', async () => {
    const win = byName(await rankOnnxProviders(facts({ platform: 'win32', listed: [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'webgpu', bundled: true }], failing: { webgpu: 'no adapter' } })));
    expect(win.cuda.reason).toBe('not in this onnxruntime-node build');
    expect(win.dml.chosen).toBe(true);
    expect(win.coreml.reason).toBe('CoreML is part of macOS only (this is win32)');
    const mac = byName(await rankOnnxProviders(facts({ platform: 'darwin', listed: [{ name: 'cpu', bundled: true }, { name: 'coreml', bundled: true }, { name: 'webgpu', bundled: true }], failing: { webgpu: 'no adapter' } })));
    expect(mac.cuda.reason).toBe('CUDA runs on Linux and Windows only (this is darwin)');
    expect(mac.dml.reason).toBe('DirectML is part of Windows only (this is darwin)');
    expect(mac.coreml.chosen).toBe(true);
  });

  it('TensorRT is listed but never chosen', async () => {
    const list = await rankOnnxProviders(facts({ listed: [...ALL, { name: 'tensorrt', bundled: true }] }));
    expect(list.at(-1)).toMatchObject({ name: 'tensorrt', chosen: false });
    expect(list.filter((p) => p.chosen).map((p) => p.name)).toEqual(['cuda']);
  });
});
