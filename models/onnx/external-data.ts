// An ONNX tensor may keep its values in another file ("external data": data_location
// EXTERNAL, with a `location` key naming the file). ONNX Runtime, given a model by path,
// reads that file: an absolute name or one through ".." reads any file the user can
// (checked with onnxruntime-node 1.23: "/etc/..." and "../../x" are both read), a FIFO
// blocks it for good and /dev/zero never ends. Lumen writes every tensor inside
// model.onnx, so a graph that names external data did not come from Lumen: it is
// refused before ONNX Runtime sees it.
//
// The walk follows only the fields of onnx.proto that hold tensors or graphs
// (initializers, sparse initializers, node attributes with their subgraphs,
// functions, training graphs); everything else is skipped unread.
import { errorMessage } from '../../common/errors';
import { parseFields, type ProtoField } from './fp16';
import { onnxGraphProblem } from './graph-check';

// onnx.proto field numbers.
const MODEL = { graph: 7, trainingInfo: 20, functions: 25 } as const;
const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;
const FUNCTION = { node: 7 } as const;
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;
const NODE = { attribute: 5 } as const;
const ATTRIBUTE = { t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const SPARSE = { values: 1, indices: 2 } as const;
const TENSOR = { name: 8, externalData: 13, dataLocation: 14 } as const;
const ENTRY = { key: 1, value: 2 } as const;
const EXTERNAL = 1;

/** Subgraphs (If, Loop, Scan) nest; a real model nests a few levels, a hostile one could nest until the stack breaks. */
const MAX_DEPTH = 64;

/** A tensor of an ONNX model that names external data: its name and the file it names. */
export interface ExternalTensor {
  tensor: string;
  location: string;
}

const utf8 = new TextDecoder();
const bytesOf = (f: ProtoField): Uint8Array | undefined => (f.wire === 2 && f.value instanceof Uint8Array ? f.value : undefined);

function children(fields: ProtoField[], no: number): Uint8Array[] {
  return fields.filter((f) => f.no === no).flatMap((f) => bytesOf(f) ?? []);
}

function tensor(bytes: Uint8Array, found: ExternalTensor[]): void {
  const fields = parseFields(bytes);
  const entries = children(fields, TENSOR.externalData);
  const external = entries.length > 0 || fields.some((f) => f.no === TENSOR.dataLocation && f.value === EXTERNAL);
  if (!external) return;
  const name = children(fields, TENSOR.name).map((b) => utf8.decode(b))[0] ?? '';
  const location =
    entries
      .map((e) => parseFields(e))
      .filter((e) => children(e, ENTRY.key).some((k) => utf8.decode(k) === 'location'))
      .flatMap((e) => children(e, ENTRY.value).map((v) => utf8.decode(v)))[0] ?? '';
  found.push({ tensor: name, location });
}

function sparse(bytes: Uint8Array, found: ExternalTensor[]): void {
  const fields = parseFields(bytes);
  for (const t of [...children(fields, SPARSE.values), ...children(fields, SPARSE.indices)]) tensor(t, found);
}

function graph(bytes: Uint8Array, found: ExternalTensor[], depth: number): void {
  if (depth > MAX_DEPTH) throw new Error(`ONNX model: subgraphs nested more than ${MAX_DEPTH} deep`);
  const fields = parseFields(bytes);
  for (const t of children(fields, GRAPH.initializer)) tensor(t, found);
  for (const s of children(fields, GRAPH.sparseInitializer)) sparse(s, found);
  for (const n of children(fields, GRAPH.node)) node(n, found, depth);
}

function node(bytes: Uint8Array, found: ExternalTensor[], depth: number): void {
  for (const a of children(parseFields(bytes), NODE.attribute)) {
    const fields = parseFields(a);
    for (const t of [...children(fields, ATTRIBUTE.t), ...children(fields, ATTRIBUTE.tensors)]) tensor(t, found);
    for (const s of [...children(fields, ATTRIBUTE.sparseTensor), ...children(fields, ATTRIBUTE.sparseTensors)]) sparse(s, found);
    for (const g of [...children(fields, ATTRIBUTE.g), ...children(fields, ATTRIBUTE.graphs)]) graph(g, found, depth + 1);
  }
}

/** Every tensor of the model (a ModelProto's bytes) that keeps its data in another file; throws on bytes that are not protobuf. */
export function externalTensors(onnx: Uint8Array): ExternalTensor[] {
  const found: ExternalTensor[] = [];
  const model = parseFields(onnx);
  for (const g of children(model, MODEL.graph)) graph(g, found, 0);
  for (const info of children(model, MODEL.trainingInfo)) {
    const fields = parseFields(info);
    for (const g of [...children(fields, TRAINING_INFO.initialization), ...children(fields, TRAINING_INFO.algorithm)]) graph(g, found, 0);
  }
  for (const fn of children(model, MODEL.functions)) for (const n of children(parseFields(fn), FUNCTION.node)) node(n, found, 0);
  return found;
}

/**
 * What to say of an ONNX model that names external data (any file, even one beside it: Lumen
 * never writes one), or null when it names none. Throws on bytes that are not a protobuf
 * ModelProto (see onnxProblem).
 */
export function externalDataProblem(onnx: Uint8Array): string | null {
  const found = externalTensors(onnx);
  if (found.length === 0) return null;
  // The names come from an untrusted file: quoted with JSON.stringify and cut short.
  const first = found[0];
  const location = JSON.stringify(first.location.slice(0, 120));
  const more = found.length > 1 ? ` and ${found.length - 1} more` : '';
  return `keeps tensor data outside the model file (tensor ${JSON.stringify(first.tensor.slice(0, 80))} names the file ${location}${more}); Lumen opens only self-contained ONNX models and reads no other file for one. Export the model again without external data.`;
}

/**
 * externalDataProblem, or what is wrong with bytes that are not an ONNX model at all, or a graph
 * not of Lumen's form or past its memory bounds (graph-check.ts).
 */
export function onnxProblem(onnx: Uint8Array): string | null {
  try {
    return externalDataProblem(onnx) ?? onnxGraphProblem(onnx);
  } catch (err) {
    return `is not a valid ONNX model (${err instanceof RangeError ? 'nested too deeply' : errorMessage(err).replace(/^ONNX model: /, '')})`;
  }
}
