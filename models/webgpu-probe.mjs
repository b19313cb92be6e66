// Probes TF.js on WebGPU (Dawn) in a child process and prints one JSON line.
// Isolated because a GPU driver can abort the process, and because Dawn
// cannot be torn down safely inside a worker thread that is terminated.
// Usage: node models/webgpu-probe.mjs  →  {"available", "label", "description", "flags", "options", "reason"}
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const attempts = [
  { label: 'native', flags: [], options: {} },
  { label: 'OpenGL ES (compatibility)', flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } },
];
const first = (e) => String(e && e.message ? e.message : e).split('\n')[0].slice(0, 300);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n', () => process.exit(0));

let dawn;
try {
  dawn = require('webgpu');
} catch (e) {
  say({ available: false, reason: `the webgpu package (Dawn for Node) did not load: ${first(e)}` });
}
if (dawn) {
  if (process.platform === 'linux' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const failures = [];
  let found = null;
  for (const attempt of attempts) {
    try {
      const gpu = dawn.create(attempt.flags);
      const adapter = await gpu.requestAdapter(attempt.options);
      if (!adapter) {
        failures.push(`${attempt.label}: no adapter`);
        continue;
      }
      const info = adapter.info ?? {};
      const description = [info.vendor, info.device, info.description].filter(Boolean).join(' ').trim() || 'unknown adapter';
      Object.assign(globalThis, dawn.globals);
      const wrapped = {
        requestAdapter: (opts) => gpu.requestAdapter({ ...opts, ...attempt.options }),
        getPreferredCanvasFormat: () => 'rgba8unorm',
        wgslLanguageFeatures: gpu.wgslLanguageFeatures,
      };
      Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped, userAgent: 'node' }, configurable: true, writable: true });
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
      const a = tf.tensor1d([1, 2, 3]);
      const [v] = await a.square().sum().data();
      if (Math.abs(v - 14) > 1e-4) throw new Error(`smoke test computed ${v}, expected 14`);
      found = { available: true, label: attempt.label, description, flags: attempt.flags, options: attempt.options, reason: '' };
      break;
    } catch (e) {
      failures.push(`${attempt.label}: ${first(e)}`);
    }
  }
  say(found ?? { available: false, reason: `no usable WebGPU adapter (${failures.join('; ')})` });
}
