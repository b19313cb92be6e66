// Faster gradient kernels for the TF.js cpu backend. Its Conv2DBackpropFilter and
// DepthwiseConv2dNativeBackpropFilter index every element through TensorBuffer.get (a
// generic n-d lookup per multiply-add), which made one training step of a tiny EfficientNet
// take seconds. These versions walk the NHWC arrays directly; other layouts and dilations
// fall back to the original kernels. Same sums, in a different (fixed) order.
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

/** Replaces the cpu backend's two slow filter-gradient kernels (once per process). */
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
}
