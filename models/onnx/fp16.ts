// Half precision for GPU providers: an exported graph (models/onnx/export.ts) rewritten so that
// its weights are float16 and, in 'full' mode, every operation computes in float16, while the
// input and outputs stay float32 (a Cast at each end), so callers feed and read what they did.
// GPUs run fp16 convolutions about twice as fast and move half the bytes; Lumen uses it only
// on providers that have fp16 kernels (providers.ts) and where the scores stay within 1e-3 of
// fp32 (test/models/fp16.test.ts).
//
// It works on the ModelProto's bytes, so a package's model.onnx converts as shipped. Only the
// fields it changes are decoded; everything else is copied through as it was.
//
// 'weights' mode keeps float32 compute: each weight is stored as float16 and Cast back to
// float32 as the graph starts. ONNX Runtime's cpu provider runs that graph (it has no fp16
// convolution on x86), which measures what rounding the weights to fp16 does to the scores.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const FLOAT = 1;
const FLOAT16 = 10;

interface Field {
  no: number;
  wire: number;
  /** The varint's value (wire 0), or the payload bytes (wire 1, 2, 5). */
  value: number | Uint8Array;
}

function readVarint(buf: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (at.pos >= buf.length) throw new Error('ONNX model: truncated varint');
    const b = buf[at.pos++];
    result += (b & 0x7f) * scale;
    if (!(b & 0x80)) return result;
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('ONNX model: varint too long');
  }
}

function parse(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const tag = readVarint(buf, at);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === WIRE_VARINT) out.push({ no, wire, value: readVarint(buf, at) });
    else if (wire === WIRE_LEN) {
      const n = readVarint(buf, at);
      if (at.pos + n > buf.length) throw new Error('ONNX model: a field runs past the end of the file');
      out.push({ no, wire, value: buf.subarray(at.pos, at.pos + n) });
      at.pos += n;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const n = wire === WIRE_I64 ? 8 : 4;
      out.push({ no, wire, value: buf.subarray(at.pos, at.pos + n) });
      at.pos += n;
    } else throw new Error(`ONNX model: unsupported protobuf wire type ${wire}`);
  }
  return out;
}

function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function encode(fields: Field[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const f of fields) {
    const head = varintBytes(f.no * 8 + f.wire);
    let body: Uint8Array;
    if (f.wire === WIRE_VARINT) body = Uint8Array.from(varintBytes(f.value as number));
    else if (f.wire === WIRE_LEN) {
      const v = f.value as Uint8Array;
      head.push(...varintBytes(v.length));
      body = v;
    } else body = f.value as Uint8Array;
    parts.push(Uint8Array.from(head), body);
    size += head.length + body.length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** IEEE half from a float32, rounded to nearest even; beyond ±65504 it saturates to ±infinity. */
export function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // may carry into the exponent: still right
  return sign | half;
}

/** float32 of an IEEE half. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A TensorProto's float values (raw_data or float_data). */
function floatsOf(tensor: Field[]): Float32Array | undefined {
  const raw = tensor.find((f) => f.no === 9);
  if (raw) {
    const b = raw.value as Uint8Array;
    return new Float32Array(b.slice().buffer, 0, b.length / 4);
  }
  const packed = tensor.filter((f) => f.no === 4);
  if (!packed.length) return undefined;
  const all: number[] = [];
  for (const f of packed) {
    const b = f.value as Uint8Array;
    if (f.wire === WIRE_LEN) all.push(...new Float32Array(b.slice().buffer, 0, b.length / 4));
    else all.push(new Float32Array(b.slice().buffer)[0]);
  }
  return Float32Array.from(all);
}

/** The TensorProto with its float data as float16 raw_data. */
function halfTensor(tensor: Field[], values: Float32Array, name?: string): Uint8Array {
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = toHalf(values[i]);
  const kept = tensor.filter((f) => f.no !== 2 && f.no !== 4 && f.no !== 9 && !(name !== undefined && f.no === 8));
  return encode([
    ...kept,
    { no: 2, wire: WIRE_VARINT, value: FLOAT16 },
    ...(name !== undefined ? [{ no: 8, wire: WIRE_LEN, value: text(name) }] : []),
    { no: 9, wire: WIRE_LEN, value: new Uint8Array(half.buffer) },
  ]);
}

/** A Cast NodeProto: output = Cast(input, to). */
function castNode(input: string, output: string, to: number): Field {
  const attr = encode([
    { no: 1, wire: WIRE_LEN, value: text('to') },
    { no: 3, wire: WIRE_VARINT, value: to },
    { no: 20, wire: WIRE_VARINT, value: 2 }, // AttributeProto.INT
  ]);
  const node = encode([
    { no: 1, wire: WIRE_LEN, value: text(input) },
    { no: 2, wire: WIRE_LEN, value: text(output) },
    { no: 3, wire: WIRE_LEN, value: text(`cast_${output}`) },
    { no: 4, wire: WIRE_LEN, value: text('Cast') },
    { no: 5, wire: WIRE_LEN, value: attr },
  ]);
  return { no: 1, wire: WIRE_LEN, value: node };
}

/** A ValueInfoProto's name. */
function valueName(info: Uint8Array): string {
  const f = parse(info).find((x) => x.no === 1);
  return f ? str(f.value as Uint8Array) : '';
}

/** Renames a NodeProto's inputs (field 1) and outputs (field 2) through `rename`. */
function renameNode(node: Uint8Array, rename: (name: string, field: 1 | 2) => string): Uint8Array {
  const fields = parse(node);
  let changed = false;
  const out = fields.map((f) => {
    if (f.no !== 1 && f.no !== 2) return f;
    const before = str(f.value as Uint8Array);
    const after = rename(before, f.no);
    if (after === before) return f;
    changed = true;
    return { ...f, value: text(after) };
  });
  return changed ? encode(out) : node;
}

/** The graph's output names, in order (what preferredOutputLocation must name exactly). */
export function graphOutputNames(onnx: Uint8Array): string[] {
  const graph = parse(onnx).find((f) => f.no === 7 && f.wire === WIRE_LEN);
  if (!graph) throw new Error('ONNX model: no graph');
  return parse(graph.value as Uint8Array).filter((f) => f.no === 12).map((f) => valueName(f.value as Uint8Array));
}

export type Float16Mode = 'full' | 'weights';

export interface Float16Summary {
  /** Float initializers stored as float16. */
  initializers: number;
  /** Values of those initializers beyond float16's range (±65504), saturated: any makes the model unusable in fp16. */
  overflowed: number;
}

/**
 * The model with float16 weights; in 'full' mode float16 compute too, with float32 input and
 * outputs. Throws for a graph it cannot convert (a node attribute holding a float tensor).
 */
export function toFloat16(onnx: Uint8Array, mode: Float16Mode = 'full'): { bytes: Uint8Array; summary: Float16Summary } {
  const model = parse(onnx);
  const graphField = model.find((f) => f.no === 7 && f.wire === WIRE_LEN);
  if (!graphField) throw new Error('ONNX model: no graph');
  const graph = parse(graphField.value as Uint8Array);
  const summary: Float16Summary = { initializers: 0, overflowed: 0 };

  const initNames = new Set<string>();
  const castsIn: Field[] = [];
  const newGraph: Field[] = [];
  for (const f of graph) {
    if (f.no !== 5) continue;
    const tensor = parse(f.value as Uint8Array);
    const type = tensor.find((x) => x.no === 2)?.value;
    const name = str((tensor.find((x) => x.no === 8)?.value as Uint8Array) ?? new Uint8Array());
    if (type !== FLOAT) continue;
    const values = floatsOf(tensor);
    if (!values) continue;
    for (const v of values) if (Math.abs(v) > 65504) summary.overflowed++;
    summary.initializers++;
    initNames.add(name);
    if (mode === 'weights') {
      f.value = halfTensor(tensor, values, `${name}__fp16`);
      castsIn.push(castNode(`${name}__fp16`, name, FLOAT));
    } else f.value = halfTensor(tensor, values);
  }

  if (mode === 'full') {
    for (const f of graph) {
      if (f.no !== 1) continue;
      const node = parse(f.value as Uint8Array);
      for (const a of node.filter((x) => x.no === 5)) {
        // AttributeProto.t (field 5) holds a tensor: a float one would stay float32 among fp16 values.
        if (parse(a.value as Uint8Array).some((x) => x.no === 5)) throw new Error('ONNX model: a node attribute holds a tensor; this graph cannot be converted to float16');
      }
    }
    const inputs = graph.filter((f) => f.no === 11).map((f) => valueName(f.value as Uint8Array)).filter((n) => !initNames.has(n));
    const outputs = new Set(graph.filter((f) => f.no === 12).map((f) => valueName(f.value as Uint8Array)));
    const inRename = new Map(inputs.map((n) => [n, `${n}__fp16`]));
    const rename = (name: string, field: 1 | 2) => {
      if (field === 1 && inRename.has(name)) return inRename.get(name)!;
      if (outputs.has(name)) return `${name}__fp16`; // produced (field 2) or read by a later node (field 1) in fp16
      return name;
    };
    for (const f of graph) if (f.no === 1) f.value = renameNode(f.value as Uint8Array, rename);
    for (const n of inputs) castsIn.push(castNode(n, inRename.get(n)!, FLOAT16));
    const castsOut = [...outputs].map((n) => castNode(`${n}__fp16`, n, FLOAT));
    // value_info (field 13) describes intermediate values as float32: dropped, ONNX Runtime infers them.
    const nodes = graph.filter((f) => f.no === 1);
    newGraph.push(...castsIn, ...nodes, ...castsOut, ...graph.filter((f) => f.no !== 1 && f.no !== 13));
  } else {
    const nodes = graph.filter((f) => f.no === 1);
    newGraph.push(...castsIn, ...nodes, ...graph.filter((f) => f.no !== 1));
  }
  graphField.value = encode(newGraph);
  return { bytes: encode(model), summary };
}

/** The protobuf field reader, for the check that a model names no external data (external-data.ts). */
export { parse as parseFields, type Field as ProtoField };
