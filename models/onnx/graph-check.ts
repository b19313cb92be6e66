// What an ONNX graph may make ONNX Runtime allocate, bounded before ONNX Runtime sees it.
//
// A model package's hash proves its files are intact, not who made them, and a graph can ask
// for any amount of memory from a few bytes: a Pad, Expand, Tile or ConstantOfShape to a huge
// shape, a Reshape of a constant, a Conv with a kernel of a million output channels, a
// broadcast of two long vectors. ONNX Runtime allocates what the graph asks for (and the engine
// process, which runs it, goes down with the machine's memory). Lumen only ever writes graphs of
// its own form (export.ts: the ops of layers.ts and graph.ts, one float input [batch, C, H, W]
// with fixed C, H and W, every weight and shape a raw initializer), so a graph is accepted only
// in that form, and its shapes are inferred here for one image, as ONNX Runtime would compute
// them: every tensor, every convolution's working buffer (im2col) and everything alive at once
// must stay within the bounds below. What cannot be inferred (an op Lumen never writes, a shape
// computed by the graph, a subgraph, a function, a tensor attribute) is refused, so no form of
// graph gets past the check unmeasured. A batch multiplies the figures by its size, which
// Lumen chooses.

/**
 * Values of one tensor (or one convolution's working buffer), per pixel of the input image:
 * Lumen's own graphs need at most 72 (EfficientNet-V2-L; B0 24, B7 48), so 256 leaves room for
 * custom variants; and never more than 2^28 values (1 GiB in float32) per image.
 */
export const MAX_TENSOR_PER_PIXEL = 256;
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
/**
 * Values alive at once (outputs not yet consumed, and a convolution's working buffer), per pixel
 * of the input image: at most 144 in Lumen's own graphs (B7; B0 72, V2-L 88), so 512; and never
 * more than 2^29 (2 GiB in float32) per image.
 */
export const MAX_LIVE_PER_PIXEL = 512;
export const MAX_LIVE_ELEMENTS = 2 ** 29;
/** Nodes of one graph: EfficientNet-V2-L exports about 2,000. */
export const MAX_NODES = 20_000;
/** Image sides a graph may declare (a package's input size is at most 1024). */
const MAX_SIDE = 4096;

/** The operators Lumen's exporter writes (export.ts, layers.ts, graph.ts), and nothing else. */
const OPS = new Set(['Conv', 'BatchNormalization', 'Add', 'Mul', 'Sigmoid', 'Relu', 'Tanh', 'Softmax', 'Identity', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Pad', 'Reshape', 'Transpose']);

// onnx.proto field numbers.
const MODEL = { graph: 7, opsetImport: 8, trainingInfo: 20, functions: 25 } as const;
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, ints: 8, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const TENSOR = { dims: 1, dataType: 2, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
/** TensorProto data types Lumen writes: float32 and int64, with their sizes. */
const TYPE_BYTES: Record<number, number> = { 1: 4, 7: 8 };

interface Field {
  no: number;
  wire: number;
  /** A varint as written (int64 two's complement); or the bytes of a length-delimited or fixed field. */
  int?: bigint;
  bytes?: Uint8Array;
}

class GraphRefused extends Error {}
const refuse = (why: string): never => {
  throw new GraphRefused(why);
};

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) refuse('it is not a valid ONNX model (a number runs past the end)');
      if (shift > 63n) refuse('it is not a valid ONNX model (a number is too long)');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return BigInt.asIntN(64, result);
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    // Groups (wire 3, 4) are refused with every other wire type: Lumen writes none.
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 2 || wire === 1 || wire === 5) {
      const n = wire === 2 ? Number(varint()) : wire === 1 ? 8 : 4;
      if (n < 0 || pos + n > buf.length) refuse('it is not a valid ONNX model (a field runs past the end)');
      out.push({ no, wire, bytes: buf.subarray(pos, pos + n) });
      pos += n;
    } else refuse(`it is not a valid ONNX model (protobuf wire type ${wire})`);
  }
  return out;
}

const utf8 = new TextDecoder();
const texts = (f: Field[], no: number) => f.filter((x) => x.no === no && x.bytes).map((x) => utf8.decode(x.bytes));
const messages = (f: Field[], no: number) => f.filter((x) => x.no === no && x.bytes).map((x) => fields(x.bytes!));
const quoted = (s: string) => JSON.stringify(s.slice(0, 80));

/** Repeated int64 (packed or not) as numbers; a value past 2^53 is refused (no real shape has one). */
function ints(f: Field[], no: number): number[] {
  const out: bigint[] = [];
  for (const x of f.filter((y) => y.no === no)) {
    if (x.int !== undefined) out.push(x.int);
    else if (x.bytes) for (const p of fields(packedAsFields(x.bytes))) out.push(p.int!);
  }
  return out.map((v) => (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? refuse(`it holds the number ${v}, larger than any shape`) : Number(v)));
}

/** A packed run of varints, re-tagged as field 1 varints so fields() reads it. */
function packedAsFields(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let start = true;
  for (const b of bytes) {
    if (start) out.push(0x08);
    out.push(b);
    start = !(b & 0x80);
  }
  return Uint8Array.from(out);
}

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Initializer {
  shape: number[];
  int64?: number[];
}

function initializer(t: Field[]): [string, Initializer] {
  const name = texts(t, TENSOR.name)[0] ?? '';
  if (t.some((x) => x.no === TENSOR.externalData || x.no === TENSOR.dataLocation)) refuse(`the tensor ${quoted(name)} keeps its data outside the model file`);
  const shape = ints(t, TENSOR.dims);
  if (shape.some((d) => d < 0)) refuse(`the tensor ${quoted(name)} has a negative dimension`);
  const type = Number(t.find((x) => x.no === TENSOR.dataType)?.int ?? 0n);
  const size = TYPE_BYTES[type];
  if (!size) refuse(`the tensor ${quoted(name)} is of data type ${type}; Lumen's graphs hold float32 and int64 only`);
  const raw = t.find((x) => x.no === TENSOR.rawData)?.bytes;
  const elements = count(shape);
  // Its data is here, in the file, and as long as its shape says: ONNX Runtime allocates no more for it.
  if (raw) {
    if (raw.length !== elements * size) refuse(`the tensor ${quoted(name)} declares ${elements} values but holds ${raw.length / size}`);
  } else if (type === 7 && t.some((x) => x.no === TENSOR.int64Data)) {
    if (ints(t, TENSOR.int64Data).length !== elements) refuse(`the tensor ${quoted(name)} declares ${elements} values but holds another number`);
  } else if (elements > 0) refuse(`the tensor ${quoted(name)} keeps its values in a form Lumen does not write (not raw data)`);
  let int64: number[] | undefined;
  if (type === 7 && elements <= 64) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const big = Array.from({ length: elements }, (_, i) => view.getBigInt64(i * 8, true));
      int64 = big.map((v) => (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? refuse(`the tensor ${quoted(name)} holds the number ${v}, larger than any shape`) : Number(v)));
    } else int64 = ints(t, TENSOR.int64Data);
  }
  return [name, { shape, int64 }];
}

interface Attributes {
  ints(name: string): number[] | undefined;
  int(name: string): number | undefined;
  text(name: string): string | undefined;
}

function attributes(node: Field[], op: string): Attributes {
  const byName = new Map<string, Field[]>();
  for (const a of messages(node, NODE.attribute)) {
    const name = texts(a, ATTR.name)[0] ?? '';
    if (a.some((x) => ([ATTR.t, ATTR.g, ATTR.tensors, ATTR.graphs, ATTR.sparseTensor, ATTR.sparseTensors] as number[]).includes(x.no))) {
      refuse(`its ${op} node has the attribute ${quoted(name)} holding a tensor or a subgraph; Lumen's graphs hold none`);
    }
    byName.set(name, a);
  }
  return {
    ints: (name) => (byName.has(name) ? ints(byName.get(name)!, ATTR.ints) : undefined),
    int: (name) => (byName.has(name) ? ints(byName.get(name)!, ATTR.i)[0] : undefined),
    text: (name) => (byName.has(name) ? texts(byName.get(name)!, ATTR.s)[0] : undefined),
  };
}

/** numpy broadcasting of two shapes (ONNX's multidirectional broadcasting). */
function broadcast(a: number[], b: number[], op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) refuse(`its ${op} node combines shapes [${a}] and [${b}], which do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The output shape of one node, and the working buffer it needs besides (a convolution's im2col). */
function infer(op: string, at: Attributes, inputs: number[][], consts: (i: number) => number[] | undefined): { shape: number[]; work: number } {
  const x = inputs[0];
  const need = (n: number) => {
    if (inputs.length < n) refuse(`its ${op} node has ${inputs.length} inputs, fewer than ${n}`);
  };
  need(1);
  switch (op) {
    case 'Identity':
    case 'Sigmoid':
    case 'Relu':
    case 'Tanh':
    case 'Softmax':
    case 'BatchNormalization':
      return { shape: x, work: 0 };
    case 'Add':
    case 'Mul':
      need(2);
      return { shape: broadcast(x, inputs[1], op), work: 0 };
    case 'GlobalAveragePool':
      if (x.length < 3) refuse(`its GlobalAveragePool node is applied to a tensor of rank ${x.length}`);
      return { shape: [x[0], x[1], ...x.slice(2).map(() => 1)], work: 0 };
    case 'Flatten': {
      const axis = at.int('axis') ?? 1;
      const cut = axis < 0 ? axis + x.length : axis;
      if (cut < 0 || cut > x.length) refuse(`its Flatten node has axis ${axis} for a tensor of rank ${x.length}`);
      return { shape: [count(x.slice(0, cut)), count(x.slice(cut))], work: 0 };
    }
    case 'Transpose': {
      const perm = at.ints('perm') ?? x.map((_, i) => x.length - 1 - i);
      if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) refuse(`its Transpose node has a permutation [${perm}] that does not fit rank ${x.length}`);
      return { shape: perm.map((p) => x[p]), work: 0 };
    }
    case 'Gemm': {
      need(2);
      const [a, b] = inputs;
      if (a.length !== 2 || b.length !== 2) refuse('its Gemm node multiplies tensors that are not matrices');
      const [m, k] = at.int('transA') ? [a[1], a[0]] : a;
      const [k2, n] = at.int('transB') ? [b[1], b[0]] : b;
      if (k !== k2) refuse(`its Gemm node multiplies [${a}] by [${b}], whose inner sizes differ`);
      const shape = [m, n];
      if (inputs[2]) broadcast(shape, inputs[2], op);
      return { shape, work: 0 };
    }
    case 'Conv': {
      need(2);
      const w = inputs[1];
      if (x.length !== 4 || w.length !== 4) refuse('its Conv node is not a 2-D convolution');
      const autoPad = at.text('auto_pad');
      if (autoPad !== undefined && autoPad !== 'NOTSET') refuse(`its Conv node pads by auto_pad ${quoted(autoPad)}; Lumen's graphs give pads`);
      const group = at.int('group') ?? 1;
      const [kh, kw] = [w[2], w[3]];
      const kernel = at.ints('kernel_shape');
      if (kernel && (kernel[0] !== kh || kernel[1] !== kw)) refuse(`its Conv node's kernel_shape [${kernel}] is not its weights' [${kh},${kw}]`);
      const [sh, sw] = at.ints('strides') ?? [1, 1];
      const [dh, dw] = at.ints('dilations') ?? [1, 1];
      const [pt, pl, pb, pr] = at.ints('pads') ?? [0, 0, 0, 0];
      if (![group, sh, sw, dh, dw].every((v) => Number.isInteger(v) && v >= 1) || ![pt, pl, pb, pr].every((v) => Number.isInteger(v) && v >= 0)) {
        refuse('its Conv node has a stride, dilation or group below 1, or a negative pad');
      }
      if (x[1] !== w[1] * group || w[0] % group !== 0) refuse(`its Conv node's weights [${w}] do not fit its input's ${x[1]} channels in ${group} groups`);
      const oh = Math.floor((x[2] + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
      const ow = Math.floor((x[3] + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
      if (oh < 1 || ow < 1) refuse('its Conv node has a kernel larger than its padded input');
      if (inputs[2] && (inputs[2].length !== 1 || inputs[2][0] !== w[0])) refuse('its Conv node has a bias that does not fit its weights');
      // im2col: every output position times the kernel's inputs, for one group at a time.
      return { shape: [x[0], w[0], oh, ow], work: w[1] * kh * kw * oh * ow };
    }
    case 'Pad': {
      const mode = at.text('mode') ?? 'constant';
      if (!['constant', 'reflect', 'edge'].includes(mode)) refuse(`its Pad node has mode ${quoted(mode)}`);
      if (inputs.length > 3) refuse('its Pad node names axes; Lumen pads every axis');
      const pads = at.ints('pads') ?? consts(1) ?? refuse('its Pad node takes its pads from the graph, not from a constant');
      if (pads.length !== 2 * x.length) refuse(`its Pad node has ${pads.length} pads for a tensor of rank ${x.length}`);
      const shape = x.map((d, i) => d + pads[i] + pads[i + x.length]);
      if (shape.some((d) => d < 0)) refuse('its Pad node crops past the edge of its input');
      return { shape, work: 0 };
    }
    case 'Reshape': {
      const target = consts(1) ?? refuse('its Reshape node takes its shape from the graph, not from a constant');
      const zeroCopies = !at.int('allowzero');
      const shape = target.map((d, i) => (d === 0 && zeroCopies ? (x[i] ?? refuse('its Reshape node copies a dimension its input does not have')) : d));
      const unknown = shape.filter((d) => d === -1).length;
      if (unknown > 1 || shape.some((d) => d < -1)) refuse(`its Reshape node has the shape [${target}]`);
      const known = count(shape.filter((d) => d !== -1));
      if (unknown) {
        if (known === 0 || count(x) % known !== 0) refuse(`its Reshape node cannot reshape [${x}] to [${target}]`);
        shape[shape.indexOf(-1)] = count(x) / known;
      }
      if (count(shape) !== count(x)) refuse(`its Reshape node cannot reshape [${x}] to [${target}]`);
      return { shape, work: 0 };
    }
    default:
      return refuse(`it uses the operator ${quoted(op)}`);
  }
}

/** The graph's one image input as [1, C, H, W] (one image; the batch dimension may be named). */
function imageInput(graph: Field[], initializers: Map<string, Initializer>): [string, number[]] {
  const inputs = messages(graph, GRAPH.input).filter((v) => !initializers.has(texts(v, 1)[0] ?? ''));
  if (inputs.length !== 1) refuse(`it has ${inputs.length} inputs besides its weights; Lumen's graphs take one image batch`);
  const value = inputs[0];
  const name = texts(value, 1)[0] ?? '';
  const tensorType = messages(value, 2).flatMap((t) => messages(t, 1))[0];
  const shape = tensorType ? messages(tensorType, 2)[0] : undefined;
  const dims = shape ? messages(shape, 1) : [];
  if (dims.length !== 4) refuse(`its input ${quoted(name)} is not declared as [batch, channels, height, width]`);
  const sizes = dims.map((d) => (d.some((x) => x.no === 1) ? ints(d, 1)[0] : undefined));
  const [batch, c, h, w] = sizes;
  if (batch !== undefined && batch < 1) refuse(`its input ${quoted(name)} declares a batch of ${batch}`);
  for (const [what, v] of [['channels', c], ['height', h], ['width', w]] as const) {
    if (v === undefined || v < 1 || v > MAX_SIDE) refuse(`its input ${quoted(name)} does not declare a fixed ${what} between 1 and ${MAX_SIDE}`);
  }
  return [name, [1, c!, h!, w!]];
}

/** What a graph asks for, per image: its largest tensor (or convolution working buffer) and the most alive at once, in values. */
export interface GraphFigures {
  largest: number;
  peak: number;
}

/** Checks one graph; throws GraphRefused with why. */
function checkGraph(graph: Field[]): GraphFigures {
  if (graph.some((x) => x.no === GRAPH.sparseInitializer)) refuse('it holds a sparse tensor; Lumen writes none');
  const initializers = new Map(messages(graph, GRAPH.initializer).map(initializer));
  const [inputName, inputShape] = imageInput(graph, initializers);
  const pixels = inputShape[2] * inputShape[3];
  const side = `${inputShape[2]}x${inputShape[3]}`;
  const tensorLimit = Math.min(MAX_TENSOR_ELEMENTS, MAX_TENSOR_PER_PIXEL * pixels);
  const liveLimit = Math.min(MAX_LIVE_ELEMENTS, MAX_LIVE_PER_PIXEL * pixels);
  const values = (n: number) => n.toLocaleString('en-US');
  const nodes = messages(graph, GRAPH.node);
  if (nodes.length > MAX_NODES) refuse(`it has ${nodes.length} nodes, more than ${MAX_NODES}`);

  const shapes = new Map<string, number[]>([[inputName, inputShape]]);
  for (const [name, t] of initializers) shapes.set(name, t.shape);
  // Consumers left per produced value: a value is alive from its node until its last reader runs (graph outputs to the end).
  const readers = new Map<string, number>();
  for (const node of nodes) for (const input of texts(node, NODE.input)) readers.set(input, (readers.get(input) ?? 0) + 1);
  for (const output of messages(graph, GRAPH.output)) {
    const name = texts(output, 1)[0] ?? '';
    readers.set(name, (readers.get(name) ?? 0) + 1);
  }
  let live = count(inputShape);
  let peak = live;
  let largest = live;
  const alive = new Map<string, number>([[inputName, count(inputShape)]]);
  for (const node of nodes) {
    const op = texts(node, NODE.opType)[0] ?? '';
    const domain = texts(node, NODE.domain)[0] ?? '';
    if (domain !== '' && domain !== 'ai.onnx') refuse(`it uses the operator ${quoted(op)} of the domain ${quoted(domain)}`);
    if (!OPS.has(op)) refuse(`it uses the operator ${quoted(op)}, which Lumen's graphs never hold`);
    const names = texts(node, NODE.input);
    const inputs = names.filter((n) => n !== '').map((n) => shapes.get(n) ?? refuse(`its ${op} node reads ${quoted(n)} before anything makes it`));
    const consts = (i: number) => (names[i] ? initializers.get(names[i])?.int64 : undefined);
    const { shape, work } = infer(op, attributes(node, op), inputs, consts);
    const outputs = texts(node, NODE.output);
    if (outputs.length !== 1) refuse(`its ${op} node has ${outputs.length} outputs; Lumen's have one`);
    const elements = count(shape);
    if (elements > tensorLimit || work > tensorLimit) {
      refuse(`its ${op} node would make a tensor of ${values(Math.max(elements, work))} values per image ([${shape}]), more than the ${values(tensorLimit)} Lumen allows for a ${side} input`);
    }
    if (shapes.has(outputs[0])) refuse(`it makes ${quoted(outputs[0])} twice`);
    shapes.set(outputs[0], shape);
    alive.set(outputs[0], elements);
    largest = Math.max(largest, elements, work);
    live += elements;
    peak = Math.max(peak, live + work);
    if (peak > liveLimit) refuse(`it would hold ${values(peak)} values per image at once, more than the ${values(liveLimit)} Lumen allows for a ${side} input`);
    for (const n of names) {
      const left = (readers.get(n) ?? 0) - 1;
      readers.set(n, left);
      if (left === 0 && alive.has(n)) {
        live -= alive.get(n)!;
        alive.delete(n);
      }
    }
  }
  for (const output of messages(graph, GRAPH.output)) {
    const name = texts(output, 1)[0] ?? '';
    if (!shapes.has(name)) refuse(`its output ${quoted(name)} is made by no node`);
  }
  return { largest, peak };
}

function checkModel(onnx: Uint8Array): GraphFigures {
  const model = fields(onnx);
  if (model.some((x) => x.no === MODEL.functions)) refuse('it defines functions of its own; Lumen writes none');
  if (model.some((x) => x.no === MODEL.trainingInfo)) refuse('it holds training information; Lumen writes none');
  const graphs = messages(model, MODEL.graph);
  if (graphs.length !== 1) refuse(`it holds ${graphs.length} graphs`);
  return checkGraph(graphs[0]);
}

/** What a graph Lumen accepts asks for per image (the bench and tests print it); throws with why for one it refuses. */
export function onnxGraphFigures(onnx: Uint8Array): GraphFigures {
  return checkModel(onnx);
}

/**
 * Why ONNX Runtime should not be given this model (a ModelProto's bytes), or null when it is of
 * Lumen's own form and within the bounds: the words follow "model.onnx" or the file's name.
 */
export function onnxGraphProblem(onnx: Uint8Array): string | null {
  try {
    checkModel(onnx);
    return null;
  } catch (err) {
    if (err instanceof GraphRefused) return `is not a graph Lumen runs: ${err.message}. Lumen runs only the graphs it exports itself (export a package again with Lumen).`;
    if (err instanceof RangeError) return 'is not a graph Lumen runs: it is nested too deeply or too large to read.';
    throw err;
  }
}
