// Lumen's own OpenJPEG build (codecs/openjpeg, compiled by
// scripts/build-codecs.mjs to dist/codecs/openjpeg.wasm): a standalone WASM
// module with a handful of C entry points and no emscripten glue. Loaded once
// per thread, lazily. Where the file is missing (a checkout built without
// emscripten), `loadOpenJpeg()` resolves to undefined and the caller decodes
// with @cornerstonejs/codec-openjpeg instead.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface J2kFrame {
  bytes: Uint8Array;
  columns: number;
  rows: number;
  components: number;
  precision: number;
  signed: boolean;
  bitsPerSample: 8 | 16;
}

// The Node typings here carry no WebAssembly declarations: the little used is typed here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const Wasm = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> } }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  _initialize(): void;
  lumen_j2k_alloc(n: number): number;
  lumen_j2k_free(p: number): void;
  lumen_j2k_release(): void;
  lumen_j2k_decode(data: number, length: number, columns: number, rows: number): number;
  lumen_j2k_info(): number;
  lumen_j2k_output(): number;
  lumen_j2k_message(): number;
}

const SIZE_MISMATCH = 3;

/** Candidate locations: next to the bundles (dist/electron → dist/codecs) and from the sources (electron/dicom → dist/codecs). */
function wasmPath(): string | undefined {
  // Tests point this elsewhere ("" turns Lumen's build off).
  const env = process.env.LUMEN_OPENJPEG_WASM;
  if (env !== undefined) return env || undefined;
  for (const rel of ['../codecs/openjpeg.wasm', '../../dist/codecs/openjpeg.wasm']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

export class OpenJpeg {
  private constructor(
    private readonly e: Exports,
    readonly path: string,
  ) {}

  static async load(path: string): Promise<OpenJpeg> {
    const heap: { memory?: WasmMemory } = {};
    const { instance } = await Wasm.instantiate(readFileSync(path), {
      env: { emscripten_notify_memory_growth: () => {} },
      // OpenJPEG reads OPJ_NUM_THREADS through getenv: an empty environment.
      // Nothing is printed (errors come back through lumen_j2k_message): writes are dropped.
      wasi_snapshot_preview1: {
        fd_write: (_fd: number, iovs: number, count: number, written: number) => {
          const v = new DataView(heap.memory!.buffer);
          let n = 0;
          for (let i = 0; i < count; i++) n += v.getUint32(iovs + i * 8 + 4, true);
          v.setUint32(written, n, true);
          return 0;
        },
        environ_sizes_get: (count: number, size: number) => {
          const v = new DataView(heap.memory!.buffer);
          v.setUint32(count, 0, true);
          v.setUint32(size, 0, true);
          return 0;
        },
        environ_get: () => 0,
      },
    });
    const e = instance.exports as unknown as Exports;
    heap.memory = e.memory;
    e._initialize();
    return new OpenJpeg(e, path);
  }

  private text(ptr: number): string {
    const heap = new Uint8Array(this.e.memory.buffer);
    let end = ptr;
    while (heap[end] !== 0) end++;
    return new TextDecoder().decode(heap.subarray(ptr, end));
  }

  /**
   * Decodes one codestream (J2K or JP2). With `expected`, a codestream whose
   * size differs from the DICOM header's is refused before any tile memory is
   * allocated. The samples are copied out of WASM memory.
   */
  decode(data: Uint8Array, expected?: { columns: number; rows: number }): J2kFrame {
    const e = this.e;
    const input = e.lumen_j2k_alloc(data.length);
    if (!input) throw new Error(`out of memory for a ${data.length}-byte codestream`);
    let rc: number;
    try {
      new Uint8Array(e.memory.buffer, input, data.length).set(data);
      rc = e.lumen_j2k_decode(input, data.length, expected?.columns ?? 0, expected?.rows ?? 0);
    } finally {
      e.lumen_j2k_free(input);
    }
    const info = new Int32Array(e.memory.buffer, e.lumen_j2k_info(), 6);
    if (rc === SIZE_MISMATCH) throw new Error(`the codestream says ${info[0]}x${info[1]}, the header ${expected!.columns}x${expected!.rows}`);
    if (rc !== 0) throw new Error(this.text(e.lumen_j2k_message()));
    const [columns, rows, components, precision, signed, bytesPerSample] = info;
    const length = columns * rows * components * bytesPerSample;
    const bytes = new Uint8Array(e.memory.buffer, e.lumen_j2k_output(), length).slice();
    e.lumen_j2k_release();
    return { bytes, columns, rows, components, precision, signed: signed === 1, bitsPerSample: bytesPerSample === 1 ? 8 : 16 };
  }
}

export interface OpenJpegStatus {
  decoder?: OpenJpeg;
  /** Why Lumen's build is not in use, when it is not. */
  why?: string;
}

let loading: Promise<OpenJpegStatus> | undefined;

/**
 * This thread's OpenJPEG. Without it (dist/codecs/openjpeg.wasm not built, or
 * a file that does not load) `why` says so and JPEG 2000 decodes with the
 * Cornerstone codec: slower, same pixels.
 */
export function loadOpenJpeg(): Promise<OpenJpegStatus> {
  if (!loading) {
    const path = wasmPath();
    loading = path
      ? OpenJpeg.load(path).then(
          (decoder) => ({ decoder }),
          (err: unknown) => ({ why: `${path} does not load (${err instanceof Error ? err.message : String(err)}); rebuild it with "npm run build"` }),
        )
      : Promise.resolve({ why: 'dist/codecs/openjpeg.wasm is not built (it needs emscripten: see codecs/openjpeg/README.md)' });
  }
  return loading;
}

/** Which JPEG 2000 decoder this thread uses, in words (for the benchmark and diagnostics). */
export async function j2kDecoderName(): Promise<string> {
  const { decoder, why } = await loadOpenJpeg();
  return decoder ? 'Lumen OpenJPEG 2.5.0 (WASM SIMD)' : `@cornerstonejs/codec-openjpeg (${why})`;
}
