// camHead finds the dense head over the last global pooling from the graph, whatever its
// layers are called (Keras' top in Lumen's packages, the Classifier's logits + activation),
// and refuses a graph whose top is not pooling + one dense layer, saying so.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { camHead, classActivationMap } from '../../models/inference/cam';
import { initBackend } from '../../models/runtime';

function model(top: (pooled: tf.SymbolicTensor) => tf.SymbolicTensor, pool = true): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 3] });
  const maps = tf.layers.conv2d({ filters: 5, kernelSize: 1, name: 'top_activation' }).apply(input) as tf.SymbolicTensor;
  const x = pool ? (tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(maps) as tf.SymbolicTensor) : (tf.layers.flatten().apply(maps) as tf.SymbolicTensor);
  return tf.model({ inputs: input, outputs: top(x) });
}

describe('camHead', () => {
  beforeAll(() => initBackend('cpu'));

  it('finds the dense layer the pooling feeds, by the graph, under any name', () => {
    const keras = model((x) => tf.layers.dense({ units: 2, activation: 'softmax', name: 'predictions' }).apply(tf.layers.dropout({ rate: 0.2 }).apply(x)) as tf.SymbolicTensor);
    const classifier = model((x) => tf.layers.activation({ activation: 'softmax', name: 'predictions' }).apply(tf.layers.dense({ units: 3, name: 'logits' }).apply(x)) as tf.SymbolicTensor);
    for (const [m, classes] of [[keras, 2], [classifier, 3]] as const) {
      const head = camHead(m);
      expect(head).toMatchObject({ channels: 5, classes });
      const dense = m.layers.find((l) => l.getClassName() === 'Dense')!;
      expect(Array.from(head.kernel)).toEqual(Array.from(dense.getWeights()[0].dataSync()));
      m.dispose();
    }
  });

  it('refuses a top that is not global pooling and one dense layer', () => {
    const flat = model((x) => tf.layers.dense({ units: 2, name: 'predictions' }).apply(x) as tf.SymbolicTensor, false);
    expect(() => camHead(flat, 'Model package /p')).toThrow('Model package /p has no global average pooling over its last feature maps');
    const twoDense = model((x) => tf.layers.dense({ units: 2 }).apply(tf.layers.dense({ units: 4, activation: 'relu' }).apply(x)) as tf.SymbolicTensor);
    // A hidden dense layer's map would not be any class's.
    expect(() => camHead(twoDense)).toThrow('does not end in global average pooling and one dense layer (after "avg_pool")');
    flat.dispose();
    twoDense.dispose();
  });

  it('weights each channel of [C, h, w] maps by the kernel column of the class', () => {
    const head = { kernel: Float32Array.from([1, 0, 2, -1]), bias: new Float32Array(2), channels: 2, classes: 2 };
    const maps = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]); // channel 0, then channel 1, each 2x2
    expect(Array.from(classActivationMap(head, maps, 2, 2, 0))).toEqual([21, 42, 63, 84]);
    expect(Array.from(classActivationMap(head, maps, 2, 2, 1))).toEqual([-10, -20, -30, -40]);
    expect(() => classActivationMap(head, maps, 3, 3, 0)).toThrow('8 feature values for 2 channels of 3x3');
  });
});
