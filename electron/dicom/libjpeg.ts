// JPEG (baseline, extended, progressive) with Lumen's own libjpeg-turbo
// builds (third_party/libjpeg-turbo → dist/codecs/libjpeg.wasm for 8-bit
// samples, dist/codecs/libjpeg12.wasm for 12-bit ones), each compiled once per
// process and instantiated once per thread, lazily. Where one is missing, codecs.ts decodes 8-bit with
// @cornerstonejs/codec-libjpeg-turbo-8bit and 12-bit with jpeg12.ts instead.
//
// libjpeg stops on a fatal error by trapping (see lumen_jpeg.c): the message is
// read from the instance, which is then dropped, and the next frame gets a
// fresh one from the compiled module.
import { checkDimensions } from './codec-output';
import { cString, lazyCodec, WasmDecoder, type WasmCodec, type WasmExports } from './wasm-codec';

export interface JpegFrame {
  /** Samples, interleaved: one byte each from the 8-bit build, two (little-endian) from the 12-bit one. */
  bytes: Uint8Array;
  columns: number;
  rows: number;
  components: number;
  /** YCbCr was converted to RGB by the decoder. */
  converted: boolean;
}

interface Exports extends WasmExports {
  lumen_jpeg_alloc(n: number): number;
  lumen_jpeg_free(p: number): void;
  lumen_jpeg_release(): void;
  lumen_jpeg_decode(data: number, length: number, columns: number, rows: number): number;
  lumen_jpeg_info(): number;
  lumen_jpeg_output(): number;
  lumen_jpeg_message(): number;
}

const SIZE_MISMATCH = 3;

export class LibJpeg {
  private constructor(
    private readonly codec: WasmDecoder<Exports>,
    /** The sample precision the module was built for (BITS_IN_JSAMPLE): 8 or 12. */
    readonly bitsPerSample: 8 | 12,
  ) {}

  /** `keepBytes`: the WASM memory an instance may keep between frames (see KEEP_MEMORY_BYTES). */
  static async load(path: string, keepBytes?: number, bitsPerSample: 8 | 12 = 8): Promise<LibJpeg> {
    return new LibJpeg(await WasmDecoder.load<Exports>(path, 'lumen_jpeg', 'JPEG stream', keepBytes), bitsPerSample);
  }

  /** An instance of the module compiled already (codecModule). */
  static of(codec: WasmCodec<WasmExports>, bitsPerSample: 8 | 12 = 8): LibJpeg {
    return new LibJpeg(WasmDecoder.of(codec as WasmCodec<Exports>, 'lumen_jpeg', 'JPEG stream'), bitsPerSample);
  }

  get path(): string {
    return this.codec.path;
  }

  /** Decodes one JPEG stream of this build's sample precision (another is refused); RGB comes out interleaved. */
  decode(data: Uint8Array, expected?: { columns: number; rows: number }): JpegFrame {
    // A trap is libjpeg giving up on the stream (its error exit): the message is in the dropped instance.
    return this.codec.frame(
      data,
      (x, input) => x.lumen_jpeg_decode(input, data.length, expected?.columns ?? 0, expected?.rows ?? 0),
      (x, rc) => {
        const info = new Int32Array(x.memory.buffer, x.lumen_jpeg_info(), 4);
        // The C side refused a size that differs from the header's: the same words as every codec.
        if (rc === SIZE_MISMATCH) checkDimensions(info[0], info[1], expected);
        if (rc !== 0) throw new Error(cString(x.memory, x.lumen_jpeg_message()));
        const [columns, rows, components, converted] = info;
        const sampleBytes = this.bitsPerSample > 8 ? 2 : 1;
        const bytes = new Uint8Array(x.memory.buffer, x.lumen_jpeg_output(), columns * rows * components * sampleBytes).slice();
        return { bytes, columns, rows, components, converted: converted === 1 };
      },
    );
  }

  /** Bytes of WASM memory of the live instance (0 when none is live). */
  memoryBytes(): number {
    return this.codec.memoryBytes();
  }
}

/** This thread's libjpeg-turbo, or why it is not in use (JPEG then decodes with the Cornerstone codec). */
export const loadLibJpeg = lazyCodec('libjpeg', (codec) => LibJpeg.of(codec), 'electron/dicom/libjpeg.md');

/** This thread's 12-bit libjpeg-turbo, or why it is not in use (12-bit JPEG then decodes in jpeg12.ts). */
export const loadLibJpeg12 = lazyCodec('libjpeg12', (codec) => LibJpeg.of(codec, 12), 'electron/dicom/libjpeg.md');

/** Which 8-bit JPEG decoder this thread uses, in words (for the benchmark and diagnostics). */
export async function jpegDecoderName(): Promise<string> {
  const { decoder, why } = await loadLibJpeg();
  return decoder ? 'Lumen libjpeg-turbo 2.1.5 (WASM)' : `@cornerstonejs/codec-libjpeg-turbo-8bit (${why})`;
}

/** Which 12-bit JPEG decoder this thread uses, in words (for the benchmark and diagnostics). */
export async function jpeg12DecoderName(): Promise<string> {
  const { decoder, why } = await loadLibJpeg12();
  return decoder ? 'Lumen libjpeg-turbo 2.1.5, 12-bit (WASM)' : `Lumen jpeg12.ts (TypeScript; ${why})`;
}
