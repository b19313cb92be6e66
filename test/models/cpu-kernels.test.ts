// The cpu backend's replacement kernels (models/training/cpu-kernels.ts) give the stock
// kernels' values: each case runs first on the stock kernels, then on the installed ones.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { mulberry32 } from '../../common/random';
import { initBackend } from '../../models/runtime';
import { installFastCpuGradients } from '../../models/training/cpu-kernels';

const rand = mulberry32(3);
const t = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 4 - 2), shape);

type Case = [string, () => tf.Tensor];
const cases: Case[] = [];
const shapes: [number[], number[]][] = [
  [[2, 5, 4, 3], [1, 1, 1, 3]], [[2, 5, 4, 3], [3]], [[2, 5, 4, 3], [2, 1, 1, 3]], [[1, 1, 1, 3], [2, 5, 4, 3]], [[5, 1], [1, 4]],
  [[2, 5, 4, 3], [2, 5, 4, 3]], [[2, 5, 4, 3], []], [[], [3, 2]], [[4, 3], [4, 1]], [[2, 3, 1, 4], [1, 3, 5, 1]],
];
for (const [sa, sb] of shapes) {
  const a = t(sa);
  const b = t(sb);
  cases.push([`mul ${sa}x${sb}`, () => tf.mul(a, b)], [`add ${sa}+${sb}`, () => tf.add(a, b)], [`sub ${sa}-${sb}`, () => tf.sub(a, b)], [`div ${sa}/${sb}`, () => tf.div(a, tf.add(tf.abs(b), 0.5))]);
}
const x4 = t([3, 6, 5, 4]);
for (const axis of [[0, 1, 2], [1, 2], [0], [3], [0, 3], [1], null] as (number[] | null)[]) {
  for (const keep of [false, true]) {
    cases.push([`sum ${axis} keep ${keep}`, () => tf.sum(x4, axis ?? undefined, keep)], [`mean ${axis} keep ${keep}`, () => tf.mean(x4, axis ?? undefined, keep)]);
  }
}
const [x2, x3, s2, t4, t1, p2] = [t([7, 3]), t([2, 3, 4]), t([6, 5]), t([2, 1, 3, 2]), t([3]), t([2, 3])];
cases.push(['sum rank 2 axis 0', () => tf.sum(x2, 0)], ['mean rank 3 axes -1,-2', () => tf.mean(x3, [-1, -2])]);
cases.push(
  ['slice 4d', () => tf.slice(x4, [1, 1, 0, 1], [2, 4, 5, 2])], ['slice -1 sizes', () => tf.slice(x4, [0, 2, 1, 0], [-1, -1, 3, -1])],
  ['slice 2d', () => tf.slice(s2, [1, 2], [3, 2])], ['slice continuous', () => tf.slice(x4, [1, 0, 0, 0], [1, 6, 5, 4])],
  ['tile 4d', () => tf.tile(t4, [1, 4, 2, 3])], ['tile 1d', () => tf.tile(t1, [4])],
  ['pad 4d', () => tf.pad(x4, [[0, 0], [1, 2], [0, 1], [0, 0]])], ['pad value', () => tf.pad(p2, [[1, 0], [2, 1]], 1.5)],
  ['int32 mul falls back', () => tf.mul(tf.tensor([1, 2, 3], [3, 1], 'int32'), tf.tensor([4, 5], [1, 2], 'int32'))],
);

let expected: { shape: number[]; dtype: string; values: number[] }[];

beforeAll(async () => {
  await initBackend('cpu');
  expected = cases.map(([, f]) => {
    const r = f();
    return { shape: r.shape, dtype: r.dtype, values: Array.from(r.dataSync()) };
  });
  installFastCpuGradients();
});

it.each(cases.map(([name], i) => [name, i] as const))('%s equals the stock kernel', (_name, i) => {
  const r = cases[i][1]();
  expect(r.shape).toEqual(expected[i].shape);
  expect(r.dtype).toBe(expected[i].dtype);
  const got = Array.from(r.dataSync());
  expect(got.length).toBe(expected[i].values.length);
  got.forEach((v, k) => expect(v).toBeCloseTo(expected[i].values[k], 5));
});

it('gradients through broadcasting, reductions, slices and padding match finite differences', () => {
  // A batch-norm-like expression, as in training.
  const x = t([2, 4, 4, 3]);
  const g = t([1, 1, 1, 3]);
  const f = (xx: tf.Tensor, gg: tf.Tensor) => {
    const m = tf.mean(xx, [0, 1, 2], true);
    const v = tf.mean(tf.square(tf.sub(xx, m)), [0, 1, 2], true);
    return tf.sum(tf.slice(tf.pad(tf.mul(tf.div(tf.sub(xx, m), tf.sqrt(tf.add(v, 1e-3))), gg), [[0, 0], [1, 1], [1, 1], [0, 0]]), [0, 1, 0, 0], [2, 4, 5, 3]));
  };
  const fast = tf.grads(f)([x, g]).map((d) => Array.from(d.dataSync()));
  // Checked against central finite differences of the same expression.
  const eps = 1e-2;
  for (const k of [0, 7, 40, 95]) {
    const xv = x.dataSync().slice();
    xv[k] += eps;
    const up = f(tf.tensor(xv, x.shape), g).dataSync()[0];
    xv[k] -= 2 * eps;
    const down = f(tf.tensor(xv, x.shape), g).dataSync()[0];
    expect(fast[0][k]).toBeCloseTo((up - down) / (2 * eps), 1);
  }
});
