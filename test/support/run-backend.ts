// Runs a tiny EfficientNet on one TF.js backend in its own process and prints
// its outputs as JSON. Used by test/models/runtime.test.ts: Dawn (WebGPU) is
// kept out of the test runner's own process (see models/runtime.ts).
import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet, customVariant } from '../../models';
import { activeBackend, initBackend, type BackendName } from '../../models/runtime';

const backend = process.argv[2] as BackendName;
await initBackend(backend);
const model = buildEfficientNet(customVariant({ phi: -6 }), { inputSize: 64, includeTop: false, pooling: 'avg', seed: 7 });
// A fixed, non-trivial input: smooth ramps plus a bright square.
const input = tf.tidy(() => {
  const y = tf.linspace(-1, 1, 64).reshape([64, 1, 1]);
  const x = tf.linspace(-1, 1, 64).reshape([1, 64, 1]);
  const base = tf.add(y.mul(0.7), x.mul(-0.4)).tile([1, 1, 3]) as tf.Tensor3D;
  const square = tf.pad(tf.ones([16, 16, 3]), [[20, 28], [30, 18], [0, 0]]).mul(1.5);
  return base.add(square).expandDims(0) as tf.Tensor4D;
});
const out = model.predict(input) as tf.Tensor;
const values = Array.from(await out.data());
process.stdout.write(JSON.stringify({ backend: activeBackend(), tfBackend: tf.getBackend(), values }) + '\n', () => process.exit(0));
