// The desktop app's engine reads the WebGPU probe's answer from
// LUMEN_WEBGPU_PROBE (its main process runs the probe in a utility process,
// since the installed app's engine cannot start a Node process).
import { afterAll, describe, expect, it } from 'vitest';
import { probeBackend, webgpuProbeFromEnv } from '../../models/runtime';

const saved = process.env.LUMEN_WEBGPU_PROBE;
afterAll(() => {
  if (saved === undefined) delete process.env.LUMEN_WEBGPU_PROBE;
  else process.env.LUMEN_WEBGPU_PROBE = saved;
});

describe('a WebGPU probe answer handed to the engine', () => {
  it('is what the engine reports for webgpu, without probing again', async () => {
    process.env.LUMEN_WEBGPU_PROBE = JSON.stringify({ available: true, reason: '', label: 'native', description: 'Test Adapter 1', flags: [], options: {} });
    const probe = await probeBackend('webgpu');
    expect(probe).toMatchObject({ name: 'webgpu', available: true, detail: 'native: Test Adapter 1' });
  });

  it('that is empty or malformed means unavailable, saying why', () => {
    for (const line of ['', 'Segmentation fault', '{"reason":"no available field"}', 'null']) {
      expect(webgpuProbeFromEnv(line)).toEqual({ available: false, reason: 'the WebGPU probe gave no answer (a crashing GPU driver is the usual cause)' });
    }
    expect(webgpuProbeFromEnv('{"available":false,"reason":"no adapter"}')).toEqual({ available: false, reason: 'no adapter' });
  });
});
