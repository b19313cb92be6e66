// Faster kernels for the TF.js cpu backend, used when training on it (tests, machines
// without libtensorflow or a GPU). Its Conv2DBackpropFilter and
// DepthwiseConv2dNativeBackpropFilter index every element through TensorBuffer.get (a
// generic n-d lookup per multiply-add), and its broadcasting binary ops, reductions over
// several axes and strided slices compute an n-d location per element (indexToLoc, slice,
// locToIndex): together they made one training step of a tiny EfficientNet take seconds,
// four fifths of it in Multiply/Sub/Sum/Mean/Slice on batch-norm and squeeze-excitation
// shapes. These versions walk the arrays with strides (rank <= 4, float32); anything else
// falls back to the original kernels. Same values; sums in a different (fixed) order.
import * as tf from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: any; attrs: Record<string, any> };

let installed = false;

function values(backend: any, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

function conv2dBackpropFilter(args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return fallback(args);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const xv = values(backend, x);
  const dyv = values(backend, dy);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dW = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const a = xv[xOff + d1];
              if (a === 0) continue;
              const row = wOff + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) dW[row + d2] += a * dyv[dyOff + d2];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(info.filterShape, 'float32', dW);
}

function depthwiseBackpropFilter(args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const dil = attrs.dilations;
  if (dil !== undefined && dil !== 1 && !(Array.isArray(dil) && dil.every((d: number) => d === 1))) return fallback(args);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true);
  const xv = values(backend, x);
  const dyv = values(backend, dy);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const mult = outChannels / inChannels;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dW = new Float32Array(filterHeight * filterWidth * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const a = xv[xOff + d1];
              for (let q = 0; q < mult; q++) dW[wOff + d1 * mult + q] += a * dyv[dyOff + d1 * mult + q];
            }
          }
        }
      }
    }
  }
  return backend.makeTensorInfo(info.filterShape, 'float32', dW);
}

const MAX_RANK = 4;

/** Shape padded with leading 1s to rank 4. */
function pad4(shape: readonly number[]): number[] {
  return [...new Array<number>(MAX_RANK - shape.length).fill(1), ...shape];
}

/** Row-major strides of a rank-4 shape. */
function strides4(shape: number[]): number[] {
  return [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
}

/** Row-major strides of a rank-4 shape, 0 along dimensions of size 1 (broadcast). */
function broadcastStrides(shape: number[]): number[] {
  const st = [0, 0, 0, 0];
  let acc = 1;
  for (let d = MAX_RANK - 1; d >= 0; d--) {
    st[d] = shape[d] === 1 ? 0 : acc;
    acc *= shape[d];
  }
  return st;
}

type BinaryOp = 'Multiply' | 'Add' | 'Sub' | 'RealDiv';

function broadcastBinary(op: BinaryOp) {
  return (args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo => {
    const { inputs, backend } = args;
    const { a, b } = inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length > MAX_RANK || b.shape.length > MAX_RANK) return fallback(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const o = pad4(outShape);
    const as = broadcastStrides(pad4(a.shape));
    const bs = broadcastStrides(pad4(b.shape));
    const av = values(backend, a);
    const bv = values(backend, b);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    const [n0, n1, n2, n3] = o;
    const a3 = as[3];
    const b3 = bs[3];
    let i = 0;
    for (let d0 = 0; d0 < n0; d0++) {
      for (let d1 = 0; d1 < n1; d1++) {
        for (let d2 = 0; d2 < n2; d2++) {
          let ai = d0 * as[0] + d1 * as[1] + d2 * as[2];
          let bi = d0 * bs[0] + d1 * bs[1] + d2 * bs[2];
          switch (op) {
            case 'Multiply':
              for (let d3 = 0; d3 < n3; d3++, ai += a3, bi += b3) out[i++] = av[ai] * bv[bi];
              break;
            case 'Add':
              for (let d3 = 0; d3 < n3; d3++, ai += a3, bi += b3) out[i++] = av[ai] + bv[bi];
              break;
            case 'Sub':
              for (let d3 = 0; d3 < n3; d3++, ai += a3, bi += b3) out[i++] = av[ai] - bv[bi];
              break;
            case 'RealDiv':
              for (let d3 = 0; d3 < n3; d3++, ai += a3, bi += b3) out[i++] = av[ai] / bv[bi];
              break;
          }
        }
      }
    }
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function reduceSum(mean: boolean) {
  return (args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    if (x.dtype !== 'float32' || x.shape.length > MAX_RANK || x.shape.length === 0) return fallback(args);
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
    // One axis, the innermost, is a plain loop in the original kernel.
    if (axes.length === 1 && axes[0] === x.shape.length - 1) return fallback(args);
    const rankPad = MAX_RANK - x.shape.length;
    const xs = pad4(x.shape);
    const reduced = new Set(axes.map((ax) => ax + rankPad));
    const keptShape = xs.map((n, d) => (reduced.has(d) ? 1 : n));
    const os = broadcastStrides(keptShape);
    const outSize = tf.util.sizeFromShape(keptShape);
    const acc = new Float64Array(outSize);
    const xv = values(backend, x);
    const [n0, n1, n2, n3] = xs;
    const o3 = os[3];
    let i = 0;
    for (let d0 = 0; d0 < n0; d0++) {
      for (let d1 = 0; d1 < n1; d1++) {
        for (let d2 = 0; d2 < n2; d2++) {
          let oi = d0 * os[0] + d1 * os[1] + d2 * os[2];
          for (let d3 = 0; d3 < n3; d3++, oi += o3) acc[oi] += xv[i++];
        }
      }
    }
    const count = tf.util.sizeFromShape(x.shape) / outSize;
    const out = new Float32Array(outSize);
    for (let k = 0; k < outSize; k++) out[k] = mean ? acc[k] / count : acc[k];
    const outShape = attrs.keepDims ? x.shape.map((n, d) => (axes.includes(d) ? 1 : n)) : x.shape.filter((_, d) => !axes.includes(d));
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function slice4(args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  if (x.dtype !== 'float32' || x.shape.length > MAX_RANK || x.shape.length === 0) return fallback(args);
  const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  tf.slice_util.assertParamsValid(x, begin, size);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return fallback(args);
  const rankPad = MAX_RANK - x.shape.length;
  const xs = pad4(x.shape);
  const b = pad4(begin).map((v, d) => (d < rankPad ? 0 : v));
  const z = pad4(size);
  const st = strides4(xs);
  const xv = values(backend, x);
  const out = new Float32Array(tf.util.sizeFromShape(size));
  let i = 0;
  for (let d0 = 0; d0 < z[0]; d0++) {
    for (let d1 = 0; d1 < z[1]; d1++) {
      for (let d2 = 0; d2 < z[2]; d2++) {
        const from = (b[0] + d0) * st[0] + (b[1] + d1) * st[1] + (b[2] + d2) * st[2] + b[3];
        out.set(xv.subarray(from, from + z[3]), i);
        i += z[3];
      }
    }
  }
  return backend.makeTensorInfo(size, 'float32', out);
}

function tile4(args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const reps = attrs.reps as number[];
  if (x.dtype !== 'float32' || x.shape.length > MAX_RANK || x.shape.length === 0) return fallback(args);
  const xs = pad4(x.shape);
  const r = pad4(reps);
  const o = xs.map((n, d) => n * r[d]);
  const st = strides4(xs);
  const xv = values(backend, x);
  const out = new Float32Array(o[0] * o[1] * o[2] * o[3]);
  let i = 0;
  for (let d0 = 0; d0 < o[0]; d0++) {
    for (let d1 = 0; d1 < o[1]; d1++) {
      for (let d2 = 0; d2 < o[2]; d2++) {
        const from = (d0 % xs[0]) * st[0] + (d1 % xs[1]) * st[1] + (d2 % xs[2]) * st[2];
        const row = xv.subarray(from, from + xs[3]);
        for (let k = 0; k < r[3]; k++, i += xs[3]) out.set(row, i);
      }
    }
  }
  return backend.makeTensorInfo(x.shape.map((n, d) => n * reps[d]), 'float32', out);
}

function pad4d(args: KernelArgs, fallback: (a: KernelArgs) => tf.TensorInfo): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const paddings = attrs.paddings as [number, number][];
  if (x.dtype !== 'float32' || x.shape.length > MAX_RANK || x.shape.length === 0) return fallback(args);
  const rankPad = MAX_RANK - x.shape.length;
  const xs = pad4(x.shape);
  const before = [...new Array<number>(rankPad).fill(0), ...paddings.map((p) => p[0])];
  const outShape = x.shape.map((n, d) => paddings[d][0] + n + paddings[d][1]);
  const o = pad4(outShape);
  const ost = strides4(o);
  const xst = strides4(xs);
  const xv = values(backend, x);
  const out = new Float32Array(o[0] * o[1] * o[2] * o[3]);
  const fill = Number(attrs.constantValue ?? 0);
  if (fill !== 0) out.fill(fill);
  for (let d0 = 0; d0 < xs[0]; d0++) {
    for (let d1 = 0; d1 < xs[1]; d1++) {
      for (let d2 = 0; d2 < xs[2]; d2++) {
        const from = d0 * xst[0] + d1 * xst[1] + d2 * xst[2];
        const to = (d0 + before[0]) * ost[0] + (d1 + before[1]) * ost[1] + (d2 + before[2]) * ost[2] + before[3];
        out.set(xv.subarray(from, from + xs[3]), to);
      }
    }
  }
  return backend.makeTensorInfo(outShape, 'float32', out);
}

/** Replaces the cpu backend's slow kernels named above (once per process). */
export function installFastCpuGradients(): void {
  if (installed) return;
  installed = true;
  const swap = (name: string, fast: (a: KernelArgs, fb: (a: KernelArgs) => tf.TensorInfo) => tf.TensorInfo) => {
    const original = tf.getKernel(name, 'cpu');
    if (!original) return;
    const fallback = original.kernelFunc as unknown as (a: KernelArgs) => tf.TensorInfo;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({ ...original, kernelFunc: ((a: KernelArgs) => fast(a, fallback)) as unknown as tf.KernelFunc });
  };
  swap('Conv2DBackpropFilter', conv2dBackpropFilter);
  swap('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter);
  for (const op of ['Multiply', 'Add', 'Sub', 'RealDiv'] as const) swap(op, broadcastBinary(op));
  swap('Sum', reduceSum(false));
  swap('Mean', reduceSum(true));
  swap('Slice', slice4);
  swap('Tile', tile4);
  swap('PadV2', pad4d);
}
