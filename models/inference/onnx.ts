// Inference on ONNX Runtime (onnxruntime-node) for graphs written by
// models/onnx/export.ts: input "input" NCHW [n, 3, H, W], already normalised;
// outputs "probabilities" (when the model has a top), "features" and, when
// exported with them, "feature_maps".
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { FileReadError, readRegularFile } from '../../common/node/read-file';
import { errorMessage } from '../../common/errors';
import { externalDataProblem } from '../onnx/external-data';
import { onnxGraphProblem } from '../onnx/graph-check';
import { graphOutputNames, toFloat16 } from '../onnx/fp16';
import { PROVIDER_FEATURES, type OnnxProviderName } from './providers';

/** An ONNX Runtime execution provider (models/inference/providers.ts ranks them). */
export type OnnxProvider = OnnxProviderName;

/** The graph outputs a caller can read. */
export type OnnxOutputName = 'probabilities' | 'features' | 'feature_maps';

export interface OnnxSessionOptions {
  /** 'cpu' (default) or 'webgpu'; webgpu falls back to nothing: creation fails with the reason. */
  provider?: OnnxProvider;
  /** Intra-op threads; defaults to the number of logical cores. */
  threads?: number;
  /**
   * Let idle intra-op threads spin-wait for the next op (ORT's default, on by
   * default here too). Spinning saves a thread wake-up per operator: on an idle
   * 2-core machine B0 batch 1 took 25.5 ms without it vs 20.9 ms with it. When
   * other heavy work shares the cores (decoding while extracting features, or
   * a loaded machine) a spinning pool steals them: there, pass false (measured
   * under load: 80 ms without spinning vs 118-139 ms with it).
   */
  spinning?: boolean;
  /**
   * 'auto' (default): float16 on a provider with fp16 kernels (the GPU ones, providers.ts),
   * falling back to float32 when the fp16 graph does not load there; float32 on cpu.
   * Scores stay within 1e-3 of fp32 (models/onnx/fp16.ts and its test).
   */
  precision?: 'auto' | 'fp32' | 'fp16';
  /**
   * The outputs the caller reads (default: all). run() fetches only these; on a provider with
   * I/O binding (webgpu) the others stay in device memory ('gpu-buffer') and never cross the bus.
   */
  reads?: readonly OnnxOutputName[];
}

export interface OnnxOutputs {
  /** [n, classes] row-major, or undefined when the graph has no top. */
  probabilities?: Float32Array;
  /** [n, featureDim] row-major (empty when the session was opened with `reads` without it). */
  features: Float32Array;
  /** [n, C, h, w]: the last feature maps, when the graph was exported with them (exportOnnx's featureMaps). */
  featureMaps?: { data: Float32Array; channels: number; height: number; width: number };
}

/** The providers this onnxruntime-node build ships (e.g. ['cpu', 'webgpu']). */
export function availableOnnxProviders(): string[] {
  try {
    return ort.listSupportedBackends().map((b) => b.name);
  } catch {
    return ['cpu'];
  }
}

/** The ONNX file at `file`, if it is a regular file within the size limit; Node's codes in words. */
function readModelFile(file: string): Uint8Array {
  try {
    return readRegularFile(file, 'package');
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `ONNX model ${file} not found` : `Could not read the ONNX model ${file} (${code ?? errorMessage(err)})`);
  }
}

/** One InferenceSession over an exported classifier/embedder; reuse it for every batch, then release(). */
export class OnnxModelSession {
  /** Sessions created and not yet released in this process (what the runner's leak test counts). */
  static live = 0;
  private feedCache?: { batch: Float32Array; n: number; feeds: Record<string, ort.Tensor> };

  private constructor(
    private session: ort.InferenceSession | undefined,
    readonly provider: OnnxProvider,
    /** [channels, height, width] of one image. */
    readonly imageShape: [number, number, number],
    readonly inputName: string,
    readonly outputNames: readonly string[],
    /** What the session computes in ('fp16' only on a GPU provider). */
    readonly precision: 'fp32' | 'fp16',
    /** The outputs run() fetches. */
    private readonly fetches: readonly string[],
  ) {}

  static async create(source: string | Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxModelSession> {
    const provider = options.provider ?? 'cpu';
    const features = PROVIDER_FEATURES[provider];
    const wantHalf = options.precision === 'fp16' || (options.precision !== 'fp32' && features.fp16);
    // A path is read here and ONNX Runtime gets the bytes: it then has no folder to resolve a
    // tensor's external data against, and the bytes it runs are the bytes checked.
    const bytes = typeof source === 'string' ? readModelFile(source) : source;
    let external: string | null = null;
    try {
      external = externalDataProblem(bytes);
    } catch {
      // Not protobuf: ONNX Runtime refuses it below, and the message says so.
    }
    if (external) throw new Error(`${typeof source === 'string' ? source : 'The ONNX model'} ${external}`);
    // A graph that would allocate without bound (a Pad or broadcast to a huge shape...) is refused by its shapes first.
    const unbounded = onnxGraphProblem(bytes);
    if (unbounded) throw new Error(`${typeof source === 'string' ? source : 'The ONNX model'} ${unbounded}`);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.threads ?? os.availableParallelism(),
      extra: { session: { intra_op: { allow_spinning: options.spinning === false ? '0' : '1' } } },
    };
    if (features.ioBinding && options.reads) {
      const reads = new Set<string>(options.reads);
      sessionOptions.preferredOutputLocation = Object.fromEntries(graphOutputNames(bytes).map((name) => [name, reads.has(name) ? 'cpu' : 'gpu-buffer']));
    }
    let session: ort.InferenceSession | undefined;
    let precision: 'fp32' | 'fp16' = 'fp32';
    if (wantHalf) {
      try {
        session = await ort.InferenceSession.create(toFloat16(bytes).bytes, sessionOptions);
        precision = 'fp16';
      } catch (err) {
        // No fp16 kernels there after all (a WebGPU adapter without shader-f16): float32 below.
        if (options.precision === 'fp16') throw new Error(`ONNX Runtime's ${provider} provider could not load the model in float16: ${errorMessage(err).split('\n')[0]}`);
      }
    }
    try {
      session ??= await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (err) {
      const text = errorMessage(err).split('\n')[0];
      const what = typeof source === 'string' ? source : 'the ONNX model';
      if (provider !== 'cpu' && /adapter|provider|not (found|supported|available)/i.test(text)) {
        throw new Error(`ONNX Runtime's ${provider} provider is not available here (${text}); use the cpu provider`);
      }
      throw new Error(`ONNX Runtime could not load ${what}: ${text}`);
    }
    const inputName = session.inputNames[0];
    const meta = session.inputMetadata?.[0] as { isTensor?: boolean; shape?: (number | string)[] } | undefined;
    const shape = meta?.shape;
    if (!shape || shape.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
      await session.release();
      throw new Error(`ONNX model input "${inputName}" must be NCHW [batch, C, H, W] with fixed C, H, W (got ${JSON.stringify(shape)})`);
    }
    OnnxModelSession.live++;
    // onnxruntime-node 1.23 names fetched outputs after the graph's first outputs, whatever was asked:
    // fetch a prefix of the outputs, up to the last one read, so every name is right.
    const last = options.reads ? Math.max(...session.outputNames.map((o, i) => (options.reads!.includes(o as OnnxOutputName) ? i : -1))) : -1;
    const fetches = last >= 0 ? session.outputNames.slice(0, last + 1) : session.outputNames;
    return new OnnxModelSession(session, provider, shape.slice(1) as [number, number, number], inputName, session.outputNames, precision, fetches);
  }

  get hasProbabilities(): boolean {
    return this.outputNames.includes('probabilities');
  }

  /**
   * Runs `n` images laid out NCHW in `batch` (length n*C*H*W). The array is
   * handed to ONNX Runtime as is (no copy); the same array and n reuse the
   * same feed object, so a caller that refills one buffer allocates nothing per call.
   */
  async run(batch: Float32Array, n: number): Promise<OnnxOutputs> {
    const session = this.session;
    if (!session) throw new Error('ONNX session was released');
    const [c, h, w] = this.imageShape;
    if (batch.length !== n * c * h * w) {
      throw new Error(`ONNX input: expected ${n} x ${c}x${h}x${w} = ${n * c * h * w} floats, got ${batch.length}`);
    }
    let cache = this.feedCache;
    if (!cache || cache.batch !== batch || cache.n !== n) {
      cache = { batch, n, feeds: { [this.inputName]: new ort.Tensor('float32', batch, [n, c, h, w]) } };
      this.feedCache = cache;
    }
    const out = await session.run(cache.feeds, this.fetches as string[]);
    // Outputs bound to device memory (I/O binding, not read) are released here, never downloaded.
    const cpu = (t: ort.Tensor | undefined) => (t && t.location === 'gpu-buffer' ? (t.dispose(), undefined) : t);
    const featuresName = out.features ? 'features' : this.fetches.length === this.outputNames.length ? this.outputNames[this.outputNames.length - 1] : undefined;
    for (const name of Object.keys(out)) if (!['probabilities', 'feature_maps', featuresName].includes(name)) cpu(out[name]);
    const probabilities = cpu(out.probabilities);
    const features = featuresName ? cpu(out[featuresName]) : undefined;
    const maps = cpu(out.feature_maps);
    return {
      probabilities: probabilities ? (probabilities.data as Float32Array) : undefined,
      features: features ? (features.data as Float32Array) : new Float32Array(0),
      ...(maps ? { featureMaps: { data: maps.data as Float32Array, channels: Number(maps.dims[1]), height: Number(maps.dims[2]), width: Number(maps.dims[3]) } } : {}),
    };
  }

  async release(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.feedCache = undefined;
    if (s) {
      OnnxModelSession.live--;
      await s.release();
    }
  }
}

/** NHWC (TF.js layout) to NCHW (the ONNX graph's layout) for n images. */
export function nhwcToNchw(src: Float32Array, n: number, h: number, w: number, c: number, dst = new Float32Array(src.length)): Float32Array {
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) dst[base + k * plane + p] = src[base + p * c + k];
    }
  }
  return dst;
}
