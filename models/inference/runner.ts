// The one way Lumen runs a classifier (in the way of tfjs-models: an interface, a factory
// that picks the implementation, explicit dispose). ONNX Runtime computes the scores
// wherever it loads; TF.js serves the same interface where it does not (or when asked).
// The class activation map comes from the last feature maps and the dense head's weights
// (models/inference/cam.ts), whichever runtime produced the maps.
//
// Input: n model inputs from the pixel pipeline, NHWC float32 [n, size, size, 3], already
// normalised as the package says (electron/dicom's model input). Output scores are what the
// model ends in (softmax or sigmoid probabilities).
import type * as tf from '@tensorflow/tfjs';
import { errorLine } from '../../common/errors';
import type { LoadedPackage } from '../package/package';
import { camHead, classActivationMap, type CamHead } from './cam';
import type { OnnxModelSession, OnnxOutputName, OnnxProvider, OnnxSessionOptions } from './onnx';

export type RunnerRuntime = 'onnxruntime' | 'tfjs';

/** Where a runner's model comes from: an opened package, or a TF.js model the caller keeps (and disposes). */
export type RunnerSource = { package: LoadedPackage } | { model: tf.LayersModel; name?: string };

export interface RunnerOptions {
  /**
   * Force one implementation. Default: LUMEN_RUNTIME ('onnxruntime' or 'tfjs') when set, else
   * ONNX Runtime where onnxruntime-node loads, else TF.js.
   */
  runtime?: RunnerRuntime;
  /** ONNX Runtime's execution provider (default cpu). */
  provider?: OnnxProvider;
  /** ONNX Runtime's intra-op threads and spinning (see OnnxSessionOptions). */
  threads?: number;
  spinning?: boolean;
  /**
   * Open what cam() and activations() need (default true). false: a package's scores run on
   * its own model.onnx as shipped, without loading the TF.js weights; cam() then refuses.
   */
  cam?: boolean;
  /**
   * Also return the pooled backbone features (model.onnx's "features" output) with the scores:
   * features() and each activations() entry then carry them (the uncertainty heads take them).
   */
  features?: boolean;
}

/** One image's class activation maps: per class, [height * width] row-major over the feature grid, in logits. */
export interface ImageActivations {
  scores: number[];
  height: number;
  width: number;
  maps: Float32Array[];
  /** The pooled backbone features, when the runner was opened with `features`. */
  features?: Float32Array;
}

/** Scores with the pooled backbone features of the same pass: features [n][dim] row-major. */
export interface ScoresWithFeatures {
  scores: number[][];
  features: Float32Array;
  dim: number;
}

export interface ClassActivation {
  scores: number[];
  classIndex: number;
  height: number;
  width: number;
  /** [height * width] row-major, in logit units (the mean over the grid plus the bias is the logit). */
  map: Float32Array;
}

export interface ModelRunner {
  readonly runtime: RunnerRuntime;
  /** The runtime's device or backend: ONNX Runtime's provider ('cpu', 'webgpu') or TF.js' backend ('wasm', 'cpu', ...). */
  readonly device: string;
  /** What a user reads: "ONNX Runtime (cpu)", "TF.js (wasm)". */
  readonly label: string;
  readonly inputSize: number;
  readonly classes: number;
  /** Class scores of n NHWC images: [n][classes]. */
  scores(batch: Float32Array, n: number): Promise<number[][]>;
  /** Scores and every class's activation map of n NHWC images, from one pass. */
  activations(batch: Float32Array, n: number): Promise<ImageActivations[]>;
  /** Scores and pooled features of n NHWC images, from one pass (opened with `features`). */
  features(batch: Float32Array, n: number): Promise<ScoresWithFeatures>;
  /** Class `classIndex`'s activation map of one NHWC image (default: its top class). */
  cam(image: Float32Array, classIndex?: number): Promise<ClassActivation>;
  /** Releases the session or tensors; the runner refuses every call afterwards. */
  dispose(): Promise<void>;
}

/** Where the runtime a user did not choose comes from. */
function chosenRuntime(options: RunnerOptions): RunnerRuntime | undefined {
  if (options.runtime) return options.runtime;
  const env = process.env.LUMEN_RUNTIME;
  if (env === undefined || env === '') return undefined;
  if (env !== 'onnxruntime' && env !== 'tfjs') throw new Error(`LUMEN_RUNTIME is "${env}": it must be onnxruntime or tfjs (or unset, for the best available).`);
  return env;
}

/** The runner for a model: ONNX Runtime where available (or forced), else TF.js. */
export async function createRunner(source: RunnerSource, options: RunnerOptions = {}): Promise<ModelRunner> {
  // A package with uncertainty heads (metadata.ensemble) or a training-domain density
  // (metadata.domain.features) is opened with the features they take.
  if (options.features === undefined && 'package' in source && (source.package.metadata.ensemble || source.package.metadata.domain?.features)) options = { ...options, features: true };
  const forced = chosenRuntime(options);
  if (forced === 'tfjs') return TfjsRunner.open(source, options);
  let onnx: typeof import('./onnx');
  try {
    onnx = await import('./onnx');
  } catch (err) {
    if (forced === 'onnxruntime') throw new Error(`ONNX Runtime is not available here (onnxruntime-node did not load: ${errorLine(err)}).`);
    return TfjsRunner.open(source, options);
  }
  return OnnxRunner.open(onnx, source, options);
}

/**
 * What createRunner would run on with these options, in the runner's words ("ONNX Runtime
 * (cpu)", "TF.js (wasm)"), without opening a model: what the UI names as Run's runtime.
 */
export async function runnerLabel(options: Pick<RunnerOptions, 'runtime' | 'provider'> = {}): Promise<string> {
  const forced = chosenRuntime(options);
  if (forced !== 'tfjs') {
    try {
      await import('./onnx');
      return `ONNX Runtime (${options.provider ?? (await defaultProvider())})`;
    } catch (err) {
      if (forced === 'onnxruntime') throw err;
    }
  }
  return `TF.js (${await ensureTfBackend()})`;
}

/** The ONNX Runtime provider a caller did not choose: the best that works here (models/inference/providers.ts). */
async function defaultProvider(): Promise<OnnxProvider> {
  return (await import('../runtime')).chosenOnnxProvider();
}

/**
 * A session on the provider asked for; when Lumen chose that provider (not the caller) and it
 * cannot run this model, on cpu instead: a model must not fail to run because a GPU was found.
 */
async function openSession(onnx: typeof import('./onnx'), model: string | Uint8Array, options: OnnxSessionOptions, chosenByLumen: boolean): Promise<OnnxModelSession> {
  try {
    return await onnx.OnnxModelSession.create(model, options);
  } catch (err) {
    if (!chosenByLumen || options.provider === 'cpu') throw err;
    return onnx.OnnxModelSession.create(model, { ...options, provider: 'cpu' });
  }
}

function describe(source: RunnerSource): string {
  return 'package' in source ? `Model package ${source.package.dir}` : (source.name ?? 'The model');
}

async function withTfjsModel<T>(source: RunnerSource, use: (model: tf.LayersModel) => Promise<T> | T): Promise<T> {
  if ('model' in source) return use(source.model);
  const { loadTfjsModel } = await import('../weights/tfjs-format');
  const model = await loadTfjsModel(source.package.dir);
  try {
    return await use(model);
  } finally {
    model.dispose();
  }
}

async function ensureTfBackend(): Promise<string> {
  const { activeBackend, initBackend } = await import('../runtime');
  return activeBackend() ?? (await initBackend());
}

function checkHead(head: CamHead, source: RunnerSource, what: string): void {
  if ('package' in source && head.classes !== source.package.metadata.classNames.length) {
    throw new Error(`${what}: its dense head has ${head.classes} outputs but metadata.json names ${source.package.metadata.classNames.length} classes.`);
  }
}

/** One image's class activation map for `classIndex` (else its top class), from a runner's activations. */
async function camOf(runner: Pick<ModelRunner, 'activations'>, image: Float32Array, classIndex: number | undefined): Promise<ClassActivation> {
  const [one] = await runner.activations(image, 1);
  const k = classIndex ?? one.scores.indexOf(Math.max(...one.scores));
  if (!Number.isInteger(k) || k < 0 || k >= one.scores.length) throw new Error(`Class index ${classIndex} is out of range 0..${one.scores.length - 1}.`);
  return { scores: one.scores, classIndex: k, height: one.height, width: one.width, map: one.maps[k] };
}

function split(flat: ArrayLike<number>, n: number): number[][] {
  const k = flat.length / n;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) out.push(Array.from({ length: k }, (_, j) => flat[i * k + j]));
  return out;
}

function checkBatch(batch: Float32Array, n: number, size: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`A batch needs at least one image (got ${n}).`);
  if (batch.length !== n * size * size * 3) throw new Error(`Model input: expected ${n} images of ${size}x${size}x3 = ${n * size * size * 3} values, got ${batch.length}.`);
}

/** Every class's map for each image of [n, C, h, w] feature maps. */
function mapsOf(head: CamHead, scores: number[][], maps: Float32Array, channels: number, height: number, width: number, features?: Float32Array): ImageActivations[] {
  const per = channels * height * width;
  const dim = features ? features.length / scores.length : 0;
  return scores.map((s, i) => {
    const one = maps.subarray(i * per, (i + 1) * per);
    return { scores: s, height, width, maps: s.map((_, k) => classActivationMap(head, one, height, width, k)), ...(features ? { features: features.slice(i * dim, (i + 1) * dim) } : {}) };
  });
}

function needFeatures(what: string, opened: boolean): void {
  if (!opened) throw new Error(`${what} was opened without features; open it with features to get them.`);
}

class OnnxRunner implements ModelRunner {
  readonly runtime = 'onnxruntime' as const;
  private nchw = new Float32Array(0);
  private disposed = false;

  private constructor(
    private readonly onnx: typeof import('./onnx'),
    private readonly session: OnnxModelSession,
    private readonly head: CamHead | undefined,
    readonly inputSize: number,
    readonly classes: number,
    private readonly what: string,
    private readonly withFeatures: boolean,
  ) {}

  get device(): string {
    return this.session.provider;
  }

  get label(): string {
    return `ONNX Runtime (${this.session.provider})`;
  }

  static async open(onnx: typeof import('./onnx'), source: RunnerSource, options: RunnerOptions): Promise<OnnxRunner> {
    const what = describe(source);
    // Only the outputs this runner reads are fetched (on WebGPU the rest stay in GPU memory).
    // With the maps, every output: onnxruntime-node 1.x returns named fetches under the names
    // of the graph's FIRST outputs (asked for probabilities and feature_maps, it gives
    // probabilities and "features"), so only a prefix of the outputs can be asked for by name.
    const reads: OnnxOutputName[] | undefined = options.cam === false ? (options.features ? ['probabilities', 'features'] : ['probabilities']) : undefined;
    const sessionOptions = { provider: options.provider ?? (await defaultProvider()), threads: options.threads, spinning: options.spinning, reads };
    const open = (model: string | Uint8Array) => openSession(onnx, model, sessionOptions, options.provider === undefined);
    if (options.cam === false && 'package' in source) {
      const session = await open(source.package.onnxPath);
      const [, h] = session.imageShape;
      return new OnnxRunner(onnx, session, undefined, h, source.package.metadata.classNames.length, what, options.features === true);
    }
    // The graph exported again from the TF.js weights with one more output, the last feature
    // maps: the same exporter and weights as model.onnx, so the same scores.
    await ensureTfBackend();
    const { exportOnnx } = await import('../onnx/export');
    const { head, graph } = await withTfjsModel(source, (model) => {
      const found = options.cam === false ? undefined : camHead(model, what);
      return { head: found, graph: exportOnnx(model, { featureMaps: options.cam !== false }).bytes };
    });
    if (head) checkHead(head, source, what);
    const session = await open(graph);
    if (!session.hasProbabilities) {
      await session.release();
      throw new Error(`${what} gives no class scores: it is a feature extractor, not a classifier.`);
    }
    const [, h] = session.imageShape;
    const classes = head?.classes ?? ('package' in source ? source.package.metadata.classNames.length : 0);
    return new OnnxRunner(onnx, session, head, h, classes, what, options.features === true);
  }

  private async run(batch: Float32Array, n: number) {
    if (this.disposed) throw new Error(`${this.what}: this runner was disposed.`);
    const s = this.inputSize;
    checkBatch(batch, n, s);
    if (this.nchw.length !== batch.length) this.nchw = new Float32Array(batch.length);
    const out = await this.session.run(this.onnx.nhwcToNchw(batch, n, s, s, 3, this.nchw), n);
    if (!out.probabilities) throw new Error(`${this.what} gives no class scores: it is a feature extractor, not a classifier.`);
    return { scores: split(out.probabilities, n), featureMaps: out.featureMaps, features: out.features };
  }

  async scores(batch: Float32Array, n: number): Promise<number[][]> {
    return (await this.run(batch, n)).scores;
  }

  async features(batch: Float32Array, n: number): Promise<ScoresWithFeatures> {
    needFeatures(this.what, this.withFeatures);
    const { scores, features } = await this.run(batch, n);
    if (features.length === 0 || features.length % n !== 0) throw new Error(`${this.what} gave no pooled features.`);
    return { scores, features, dim: features.length / n };
  }

  async activations(batch: Float32Array, n: number): Promise<ImageActivations[]> {
    if (!this.head) throw new Error(`${this.what} was opened for scores only; open it with class activation maps to get heatmaps.`);
    const { scores, featureMaps, features } = await this.run(batch, n);
    if (!featureMaps) throw new Error(`${this.what} gave no feature maps.`);
    if (this.withFeatures && features.length === 0) throw new Error(`${this.what} gave no pooled features.`);
    return mapsOf(this.head, scores, featureMaps.data, featureMaps.channels, featureMaps.height, featureMaps.width, this.withFeatures ? features : undefined);
  }

  cam(image: Float32Array, classIndex?: number): Promise<ClassActivation> {
    return camOf(this, image, classIndex);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.nchw = new Float32Array(0);
    await this.session.release();
  }
}

class TfjsRunner implements ModelRunner {
  readonly runtime = 'tfjs' as const;
  private disposed = false;

  private constructor(
    private readonly tf: typeof import('@tensorflow/tfjs'),
    /** image -> [last feature maps (with cam), pooled features (with features), scores], sharing the model's layers. */
    private readonly probe: tf.LayersModel,
    /** The model when this runner loaded it (a package), disposed with the runner. */
    private readonly owned: tf.LayersModel | undefined,
    private readonly head: CamHead | undefined,
    readonly device: string,
    readonly inputSize: number,
    readonly classes: number,
    private readonly what: string,
    private readonly withFeatures: boolean,
  ) {}

  get label(): string {
    return `TF.js (${this.device})`;
  }

  static async open(source: RunnerSource, options: RunnerOptions): Promise<TfjsRunner> {
    const what = describe(source);
    const backend = await ensureTfBackend();
    const tfjs = await import('@tensorflow/tfjs');
    let model: tf.LayersModel;
    let owned: tf.LayersModel | undefined;
    if ('model' in source) {
      model = source.model;
    } else {
      const { loadTfjsModel } = await import('../weights/tfjs-format');
      model = owned = await loadTfjsModel(source.package.dir);
    }
    try {
      const head = options.cam === false ? undefined : camHead(model, what);
      if (head) checkHead(head, source, what);
      const outputs = [...(head ? [lastFeatureMaps(model)] : []), ...(options.features ? [pooledFeatures(model, what)] : []), model.outputs[0]];
      const probe = tfjs.model({ inputs: model.inputs, outputs });
      const size = model.inputs[0].shape[1];
      if (typeof size !== 'number') throw new Error(`${what} takes images of no fixed size; Lumen runs square inputs of a fixed size.`);
      const classes = head?.classes ?? Number(model.outputs[0].shape[1]);
      return new TfjsRunner(tfjs, probe, owned, head, backend, size, classes, what, options.features === true);
    } catch (err) {
      owned?.dispose();
      throw err;
    }
  }

  private input(batch: Float32Array, n: number): tf.Tensor4D {
    if (this.disposed) throw new Error(`${this.what}: this runner was disposed.`);
    checkBatch(batch, n, this.inputSize);
    return this.tf.tensor4d(batch, [n, this.inputSize, this.inputSize, 3]);
  }

  async scores(batch: Float32Array, n: number): Promise<number[][]> {
    const input = this.input(batch, n);
    const out = this.tf.tidy(() => {
      const got = this.probe.predict(input);
      const all = Array.isArray(got) ? got : [got];
      return all[all.length - 1];
    });
    input.dispose();
    try {
      return split(await out.data(), n);
    } finally {
      out.dispose();
    }
  }

  async activations(batch: Float32Array, n: number): Promise<ImageActivations[]> {
    if (!this.head) throw new Error(`${this.what} was opened for scores only; open it with class activation maps to get heatmaps.`);
    const input = this.input(batch, n);
    // NHWC maps to NCHW, the layout classActivationMap (and ONNX) use.
    const [maps, pooled, probs] = this.tf.tidy(() => {
      const out = this.probe.predict(input) as tf.Tensor[];
      return [this.tf.transpose(out[0], [0, 3, 1, 2]), this.withFeatures ? out[1] : undefined, out[out.length - 1]];
    });
    input.dispose();
    try {
      const [, channels, height, width] = maps.shape;
      const data = (await maps.data()) as Float32Array;
      const features = pooled ? ((await pooled.data()) as Float32Array) : undefined;
      return mapsOf(this.head, split(await probs.data(), n), data, channels, height, width, features);
    } finally {
      this.tf.dispose([maps, probs, ...(pooled ? [pooled] : [])]);
    }
  }

  async features(batch: Float32Array, n: number): Promise<ScoresWithFeatures> {
    needFeatures(this.what, this.withFeatures);
    const input = this.input(batch, n);
    const out = this.probe.predict(input) as tf.Tensor[];
    input.dispose();
    try {
      const features = Float32Array.from(await out[out.length - 2].data());
      return { scores: split(await out[out.length - 1].data(), n), features, dim: features.length / n };
    } finally {
      this.tf.dispose(out);
    }
  }

  cam(image: Float32Array, classIndex?: number): Promise<ClassActivation> {
    return camOf(this, image, classIndex);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // The probe shares the model's layers: only the model that this runner loaded owns weights.
    this.owned?.dispose();
  }
}

/** The pooled features: the output of the model's last global average pooling (what model.onnx's "features" is). */
function pooledFeatures(model: tf.LayersModel, what: string): tf.SymbolicTensor {
  const pools = model.layers.filter((l) => l.getClassName() === 'GlobalAveragePooling2D');
  if (pools.length === 0) throw new Error(`${what} has no global average pooling to take features from.`);
  return pools[pools.length - 1].output as tf.SymbolicTensor;
}

/** The last feature maps: the input of the model's last global average pooling (camHead found it). */
function lastFeatureMaps(model: tf.LayersModel): tf.SymbolicTensor {
  const pools = model.layers.filter((l) => l.getClassName() === 'GlobalAveragePooling2D');
  return pools[pools.length - 1].input as tf.SymbolicTensor;
}
