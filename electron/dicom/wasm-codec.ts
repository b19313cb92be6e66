// Lumen's own WASM codecs (third_party/ and lumen_*.c, compiled by scripts/build-codecs.mjs to
// dist/codecs/<name>.wasm): standalone modules with a few C entry points and
// no emscripten JavaScript glue. This file finds, compiles and instantiates
// them, and WasmDecoder is the one way libjpeg.ts, openjpeg.ts and rle.ts
// call into them.
//
// Each module is compiled once per process (codecModule): the decode pool
// (pool.ts) hands the compiled modules to every decode thread it starts, and
// the threads only instantiate them. Besides the compile, the threads then
// share V8's code for the module, so a function one thread made hot (and V8
// optimised) is fast on every thread at once, and the code is in memory once.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodestreamError } from './codestream-error';
import { errorMessage } from '../../common/errors';

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** What every module exports besides its codec's functions. */
export interface WasmExports {
  memory: WasmMemory;
  _initialize(): void;
}

// The Node typings here carry no WebAssembly declarations: the little used is typed here.
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * The folder of built codecs: next to the bundles (dist/electron → dist/codecs)
 * or from the sources (electron/dicom → dist/codecs). LUMEN_CODECS_DIR
 * overrides it; set to "" it turns Lumen's builds off (the Cornerstone codecs
 * decode instead).
 */
export function builtCodec(name: string): string | undefined {
  const env = process.env.LUMEN_CODECS_DIR;
  if (env !== undefined) return env ? join(env, `${name}.wasm`) : undefined;
  for (const rel of ['../codecs/', '../../dist/codecs/']) {
    const p = fileURLToPath(new URL(`${rel}${name}.wasm`, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** A compiled codec module: `instantiate()` gives a fresh instance, synchronously. */
export class WasmCodec<E extends WasmExports> {
  private constructor(
    private readonly module: object,
    readonly path: string,
  ) {}

  /** A module compiled elsewhere (another thread of this process handed it over). */
  static of<E extends WasmExports>(module: object, path: string): WasmCodec<E> {
    return new WasmCodec<E>(module, path);
  }

  /** The compiled module, to hand to another thread (a WebAssembly.Module can be posted to a worker). */
  get compiled(): object {
    return this.module;
  }

  static async compile<E extends WasmExports>(path: string): Promise<WasmCodec<E>> {
    return new WasmCodec<E>(await Wasm.compile(readFileSync(path)), path);
  }

  /** Compiles on this thread, for small modules used from synchronous code (Node allows any size). */
  static compileSync<E extends WasmExports>(path: string): WasmCodec<E> {
    return new WasmCodec<E>(new Wasm.Module(readFileSync(path)), path);
  }

  instantiate(): E {
    const heap: { memory?: WasmMemory } = {};
    const view = () => new DataView(heap.memory!.buffer);
    const { exports } = new Wasm.Instance(this.module, {
      env: { emscripten_notify_memory_growth: () => {} },
      // What the C libraries reach for: an empty environment (OpenJPEG reads
      // OPJ_NUM_THREADS through getenv), and output that is dropped (errors
      // come back through each module's message buffer).
      wasi_snapshot_preview1: {
        environ_sizes_get: (count: number, size: number) => {
          view().setUint32(count, 0, true);
          view().setUint32(size, 0, true);
          return 0;
        },
        environ_get: () => 0,
        fd_write: (_fd: number, iovs: number, count: number, written: number) => {
          const v = view();
          let n = 0;
          for (let i = 0; i < count; i++) n += v.getUint32(iovs + i * 8 + 4, true);
          v.setUint32(written, n, true);
          return 0;
        },
        fd_close: () => 0,
        fd_seek: () => 70, // ESPIPE: no file is seekable here
        proc_exit: (code: number) => {
          throw new Error(`the codec exited (${code})`);
        },
      },
    });
    const e = exports as E;
    heap.memory = e.memory;
    e._initialize();
    return e;
  }
}

/**
 * Memory a codec instance may keep between frames. WASM memory only grows: an
 * instance that decoded one huge frame (a 6k x 6k 16-bit JPEG 2000 needs
 * hundreds of MB for OpenJPEG's tiles) would hold that for the thread's life,
 * so past this it is dropped and the next frame gets a fresh instance.
 */
export const KEEP_MEMORY_BYTES = 256 * 1024 * 1024;

/** One live instance of a codec, made on demand and dropped after a trap or when it grew past `keepBytes`. */
export class WasmInstance<E extends WasmExports> {
  private live: E | undefined;

  constructor(
    readonly codec: WasmCodec<E>,
    private readonly keepBytes = KEEP_MEMORY_BYTES,
  ) {}

  get(): E {
    return (this.live ??= this.codec.instantiate());
  }

  /** After a frame: drops the instance when its memory grew past the limit. */
  settle(): void {
    if (this.live && this.live.memory.buffer.byteLength > this.keepBytes) this.live = undefined;
  }

  drop(): void {
    this.live = undefined;
  }

  /** Whether `e` is still the live instance (not dropped after a trap or settled away). */
  isLive(e: E): boolean {
    return this.live === e;
  }

  /**
   * One call into the live instance. A call that throws (a trap: libjpeg's error
   * exit, an abort, a failed import) leaves the module's memory and stack in an
   * unknown state, so the instance is dropped and the next call gets a fresh one.
   * `message` points at the module's own account of what went wrong (a C
   * string, read from the dropped instance): when it says anything, that is the
   * error thrown; else the trap's own.
   */
  call<T>(fn: (e: E) => T, message?: (e: E) => number): T {
    const e = this.get();
    try {
      return fn(e);
    } catch (err) {
      this.drop();
      const why = message ? cString(e.memory, message(e)) : '';
      throw why ? new Error(why) : err;
    }
  }

  /** Bytes of memory of the live instance (0 when none is live). */
  memoryBytes(): number {
    return this.live?.memory.buffer.byteLength ?? 0;
  }
}

type EntryPoint = (...args: number[]) => number;

/**
 * The one way into Lumen's codec modules (libjpeg, openjpeg, rle): each
 * exports `<prefix>_alloc` and `<prefix>_free`, and may export
 * `<prefix>_message` (its account of a failure) and `<prefix>_release` (frees
 * its last output). libjpeg.ts, openjpeg.ts and rle.ts hold only their own
 * calls and what they read back.
 */
export class WasmDecoder<E extends WasmExports> {
  private constructor(
    private readonly slot: WasmInstance<E>,
    private readonly prefix: string,
    /** What one input is, in words, for the out-of-memory message ("JPEG stream"). */
    private readonly what: string,
  ) {
    slot.get();
  }

  /** `keepBytes`: the WASM memory an instance may keep between frames (see KEEP_MEMORY_BYTES). */
  static async load<E extends WasmExports>(path: string, prefix: string, what: string, keepBytes?: number): Promise<WasmDecoder<E>> {
    return new WasmDecoder(new WasmInstance(await WasmCodec.compile<E>(path), keepBytes), prefix, what);
  }

  /** An instance of a module already compiled (codecModule): nothing is compiled here. */
  static of<E extends WasmExports>(codec: WasmCodec<E>, prefix: string, what: string, keepBytes?: number): WasmDecoder<E> {
    return new WasmDecoder(new WasmInstance(codec, keepBytes), prefix, what);
  }

  get path(): string {
    return this.slot.codec.path;
  }

  /** Bytes of WASM memory of the live instance (0 when none is live). */
  memoryBytes(): number {
    return this.slot.memoryBytes();
  }

  private entry(e: E, name: string): EntryPoint | undefined {
    return (e as unknown as Record<string, EntryPoint | undefined>)[`${this.prefix}_${name}`];
  }

  /**
   * One frame through the module: `data` is copied into its heap and `decode`
   * runs with its address (a trap drops the instance and throws the module's
   * own message where it left one); `read` then copies the results out of the
   * live instance. Buffers taken with `take`, the input and the module's last
   * output are freed, and the instance settled, whatever happens.
   */
  frame<R, T>(data: Uint8Array, decode: (e: E, input: number, take: (n: number) => number) => R, read: (e: E, result: R) => T): T {
    const e = this.slot.get();
    const alloc = this.entry(e, 'alloc')!;
    const taken: number[] = [];
    const take = (n: number): number => {
      const p = alloc(n);
      if (!p) throw new CodestreamError(`out of memory for a ${n}-byte ${this.what}`);
      taken.push(p);
      return p;
    };
    try {
      const input = take(data.length);
      new Uint8Array(e.memory.buffer, input, data.length).set(data);
      const message = this.entry(e, 'message');
      const result = this.slot.call((x) => decode(x, input, take), message && (() => message()));
      return read(e, result);
    } finally {
      // After a trap the instance is gone, and with it everything it held.
      if (this.slot.isLive(e)) {
        const free = this.entry(e, 'free')!;
        for (const p of taken) free(p);
        this.entry(e, 'release')?.();
      }
      this.slot.settle();
    }
  }
}

/** The codecs of Lumen's own build that codecModule knows (dist/codecs/<name>.wasm). */
export const CODEC_NAMES = ['openjpeg', 'libjpeg', 'libjpeg12', 'rle'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

/** A compiled codec module handed from one thread to another: the module and the file it came from. */
export interface HandedCodec {
  module: object;
  path: string;
}

/** What codecModule has for a codec: the compiled module, or why there is none. */
type Compiled = { codec: WasmCodec<WasmExports>; why?: undefined } | { codec?: undefined; why: 'missing' | Error };

/** This thread's codec modules, each compiled (or received) once. */
const compiling = new Map<CodecName, Promise<Compiled>>();
const compiled = new Map<CodecName, Compiled>();
/** The modules the thread that started this one hands over (expectHandedCodecs), once they arrive. */
let handed: Promise<Partial<Record<CodecName, HandedCodec>>> | undefined;
let handedNow: Partial<Record<CodecName, HandedCodec>> | undefined;
let receiveHanded: ((codecs: Partial<Record<CodecName, HandedCodec>>) => void) | undefined;

/**
 * Says that this thread gets its codec modules from the thread that started it (a decode
 * worker of pool.ts): until receiveHandedCodecs gives them, codecModule waits for them instead
 * of compiling its own. Returns a promise that resolves once they are here.
 */
export function expectHandedCodecs(): Promise<void> {
  handed ??= new Promise((resolve) => (receiveHanded = resolve));
  return handed.then(() => undefined);
}

/** The modules handed over (a codec missing from them is compiled here, if it is built at all). */
export function receiveHandedCodecs(codecs: Partial<Record<CodecName, HandedCodec>>): void {
  handedNow = codecs;
  handed ??= Promise.resolve(codecs);
  receiveHanded?.(codecs);
}

function remember(name: CodecName, result: Compiled): Compiled {
  if (!compiled.has(name)) compiled.set(name, result);
  return compiled.get(name)!;
}

/** The module handed over for `name`, where one was. */
function handedCodec(name: CodecName): WasmCodec<WasmExports> | undefined {
  const h = handedNow?.[name];
  return h ? WasmCodec.of(h.module, h.path) : undefined;
}

/**
 * A built codec's compiled module, compiled once for this thread (off it: WebAssembly.compile)
 * or handed over by the thread that started this one. `why` is 'missing' where it is not
 * built, or the error it failed to compile with.
 */
export function codecModule(name: CodecName): Promise<Compiled> {
  let p = compiling.get(name);
  if (!p) {
    p = (async (): Promise<Compiled> => {
      if (handed) await handed;
      const given = handedCodec(name);
      if (given) return { codec: given };
      const path = builtCodec(name);
      if (!path) return { why: 'missing' };
      try {
        return { codec: await WasmCodec.compile(path) };
      } catch (err) {
        return { why: err instanceof Error ? err : new Error(errorMessage(err)) };
      }
    })().then((result) => remember(name, result));
    compiling.set(name, p);
  }
  return p;
}

/**
 * codecModule for synchronous code (rle.ts): what this thread already has, else the module is
 * compiled here, on this thread (for small modules: Node allows a synchronous compile of any size).
 */
export function codecModuleSync(name: CodecName): Compiled {
  const known = compiled.get(name);
  if (known) return known;
  const given = handedCodec(name);
  if (given) return remember(name, { codec: given });
  const path = builtCodec(name);
  let result: Compiled;
  if (!path) result = { why: 'missing' };
  else {
    try {
      result = { codec: WasmCodec.compileSync(path) };
    } catch (err) {
      result = { why: err instanceof Error ? err : new Error(errorMessage(err)) };
    }
  }
  result = remember(name, result);
  compiling.set(name, Promise.resolve(result));
  return result;
}

/** Every built codec's compiled module, to hand to a thread this one starts (each compiled once). */
export async function codecsToHand(): Promise<Partial<Record<CodecName, HandedCodec>>> {
  // All at once: V8 compiles each on its own background threads.
  const all = await Promise.all(CODEC_NAMES.map(codecModule));
  const out: Partial<Record<CodecName, HandedCodec>> = {};
  CODEC_NAMES.forEach((name, i) => {
    const { codec } = all[i];
    if (codec) out[name] = { module: codec.compiled, path: codec.path };
  });
  return out;
}

/** A codec of Lumen's own build, or why it is not in use. */
export interface CodecStatus<D> {
  decoder?: D;
  why?: string;
}

/**
 * The thread's loader of one built codec: instantiates its module (codecModule) on the first
 * call, and says why not where dist/codecs/<name>.wasm is missing or does not load (the caller
 * then decodes with the Cornerstone codec: slower, same pixels).
 */
export function lazyCodec<D>(name: CodecName, load: (codec: WasmCodec<WasmExports>) => D, readme: string): () => Promise<CodecStatus<D>> {
  let loading: Promise<CodecStatus<D>> | undefined;
  return () => {
    loading ??= codecModule(name).then(({ codec, why }): CodecStatus<D> => {
      if (why === 'missing') return { why: `dist/codecs/${name}.wasm is not built (it needs emscripten: see ${readme})` };
      const path = codec?.path ?? builtCodec(name) ?? `dist/codecs/${name}.wasm`;
      try {
        if (codec) return { decoder: load(codec) };
        throw why;
      } catch (err) {
        return { why: `${path} does not load (${errorMessage(err)}); rebuild it with "npm run build"` };
      }
    });
    return loading;
  };
}

/** The NUL-terminated string at `ptr` in a module's memory. */
export function cString(memory: WasmMemory, ptr: number): string {
  const heap = new Uint8Array(memory.buffer);
  let end = ptr;
  while (end < heap.length && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end));
}
