import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../electron/library/schema';
import { PACKAGE_FORMAT_VERSION } from '../../models/package/metadata';

const run = promisify(execFile);

async function lumen(...args: string[]) {
  const { stdout } = await run(process.execPath, ['bin/lumen.mjs', ...args], { maxBuffer: 1 << 22, timeout: 120_000 });
  return stdout;
}

async function onBackend(backend: string): Promise<{ backend: string; tfBackend: string; values: number[] }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/run-backend.ts', backend], { maxBuffer: 1 << 22, timeout: 180_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('runtime selection', () => {
  it('lumen doctor --json reports every backend truthfully, with reasons', async () => {
    const report = JSON.parse(await lumen('doctor', '--json'));
    expect(Object.keys(report).sort()).toEqual(['activeBackend', 'arch', 'backends', 'librarySchema', 'node', 'onnxruntime', 'packageFormat', 'packageFormatParts', 'packageFormats', 'platform', 'version'].sort());
    // The versions this Lumen reads and writes: the library's newest migration and the package format.
    expect(report.librarySchema).toBe(SCHEMA_VERSION);
    expect(report.packageFormat).toBe(PACKAGE_FORMAT_VERSION);
    expect(report.packageFormats).toEqual([1, 2]);
    expect(report.packageFormatParts).toEqual(['calibration', 'uncertainty heads', 'a series head', 'a training-domain record']);
    expect(report.node).toBe(process.versions.node);
    const byName = Object.fromEntries(report.backends.map((b: any) => [b.name, b]));
    expect(Object.keys(byName)).toEqual(['tensorflow', 'webgpu', 'wasm', 'cpu']);
    for (const b of report.backends) expect(b.reason.length).toBeGreaterThan(5);
    expect(byName.wasm.available).toBe(true);
    expect(byName.cpu.available).toBe(true);
    // This machine cannot download libtensorflow, so the optional packages are absent.
    let tfnodeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      tfnodeInstalled = false;
    }
    if (!tfnodeInstalled) {
      expect(byName.tensorflow.available).toBe(false);
      expect(byName.tensorflow.reason).toMatch(/not installed/);
    }
    expect(['tensorflow', 'webgpu', 'wasm']).toContain(report.activeBackend);
    expect(report.onnxruntime.version).toMatch(/^\d+\.\d+\.\d+/);
    const cpu = report.onnxruntime.providers.find((p: any) => p.name === 'cpu');
    expect(cpu).toMatchObject({ available: true });
  });

  it('lumen doctor prints no TensorFlow.js banner (it probes the cpu backend)', async () => {
    const { stdout, stderr } = await run(process.execPath, ['bin/lumen.mjs', 'doctor'], { maxBuffer: 1 << 22, timeout: 120_000 });
    expect(stdout).toContain('TensorFlow.js backends');
    expect(`${stdout}\n${stderr}`).not.toMatch(/looks like you are running TensorFlow\.js|tfjs-node for more details/);
  });

  it('a forced backend that is missing fails with its reason', async () => {
    const out = await lumen('doctor', '--json', '--backend', 'tensorflow').catch((e) => e.stdout as string);
    const parsed = JSON.parse(out);
    expect(parsed.error).toMatch(/tensorflow backend is not available: .*not installed/);
  });

  it('runs an EfficientNet on WebGPU (software driver here) with the same outputs as the cpu backend', async () => {
    const cpu = await onBackend('cpu');
    expect(cpu.tfBackend).toBe('cpu');
    const gpu = await onBackend('webgpu');
    expect(gpu.tfBackend).toBe('webgpu');
    expect(gpu.values.length).toBe(cpu.values.length);
    expect(gpu.values.length).toBeGreaterThan(100);
    // Freshly initialised networks have small activations: compare relative to their scale.
    const scale = Math.max(...cpu.values.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    const maxDiff = Math.max(...gpu.values.map((v, i) => Math.abs(v - cpu.values[i])));
    expect(maxDiff / scale).toBeLessThan(1e-2);
    const dot = gpu.values.reduce((a, v, i) => a + v * cpu.values[i], 0);
    const norm = (xs: number[]) => Math.sqrt(xs.reduce((a, v) => a + v * v, 0));
    expect(dot / (norm(gpu.values) * norm(cpu.values))).toBeGreaterThan(0.9999);
  });
});
