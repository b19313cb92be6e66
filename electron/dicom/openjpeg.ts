// JPEG 2000 with Lumen's own OpenJPEG build (third_party/openjpeg + lumen_j2k.c →
// dist/codecs/openjpeg.wasm), compiled once per process and instantiated once per thread, lazily. Where it is
// missing, codecs.ts decodes with @cornerstonejs/codec-openjpeg instead.
import { checkDimensions } from './codec-output';
import { cString, lazyCodec, WasmDecoder, type WasmCodec, type WasmExports } from './wasm-codec';

export interface J2kFrame {
  bytes: Uint8Array;
  columns: number;
  rows: number;
  components: number;
  precision: number;
  signed: boolean;
  bitsPerSample: 8 | 16;
}

interface Exports extends WasmExports {
  lumen_j2k_alloc(n: number): number;
  lumen_j2k_free(p: number): void;
  lumen_j2k_release(): void;
  lumen_j2k_decode(data: number, length: number, columns: number, rows: number): number;
  lumen_j2k_info(): number;
  lumen_j2k_output(): number;
  lumen_j2k_message(): number;
}

const SIZE_MISMATCH = 3;

export class OpenJpeg {
  private constructor(private readonly codec: WasmDecoder<Exports>) {}

  /** `keepBytes`: the WASM memory an instance may keep between frames (see KEEP_MEMORY_BYTES). */
  static async load(path: string, keepBytes?: number): Promise<OpenJpeg> {
    return new OpenJpeg(await WasmDecoder.load<Exports>(path, 'lumen_j2k', 'codestream', keepBytes));
  }

  /** An instance of the module compiled already (codecModule). */
  static of(codec: WasmCodec<WasmExports>): OpenJpeg {
    return new OpenJpeg(WasmDecoder.of(codec as WasmCodec<Exports>, 'lumen_j2k', 'codestream'));
  }

  get path(): string {
    return this.codec.path;
  }

  /**
   * Decodes one codestream (J2K or JP2). With `expected`, a codestream whose
   * size differs from the DICOM header's is refused before any tile memory is
   * allocated. The samples are copied out of WASM memory.
   */
  decode(data: Uint8Array, expected?: { columns: number; rows: number }): J2kFrame {
    // OpenJPEG reports errors through its return code; a trap (an abort) drops the instance.
    return this.codec.frame(
      data,
      (x, input) => x.lumen_j2k_decode(input, data.length, expected?.columns ?? 0, expected?.rows ?? 0),
      (x, rc) => {
        const info = new Int32Array(x.memory.buffer, x.lumen_j2k_info(), 6);
        // The C side refused a size that differs from the header's: the same words as every codec.
        if (rc === SIZE_MISMATCH) checkDimensions(info[0], info[1], expected);
        if (rc !== 0) throw new Error(cString(x.memory, x.lumen_j2k_message()));
        const [columns, rows, components, precision, signed, bytesPerSample] = info;
        const length = columns * rows * components * bytesPerSample;
        const bytes = new Uint8Array(x.memory.buffer, x.lumen_j2k_output(), length).slice();
        return { bytes, columns, rows, components, precision, signed: signed === 1, bitsPerSample: bytesPerSample === 1 ? 8 : 16 };
      },
    );
  }

  /** Bytes of WASM memory of the live instance (0 when it was dropped). */
  memoryBytes(): number {
    return this.codec.memoryBytes();
  }
}

/** This thread's OpenJPEG, or why it is not in use (JPEG 2000 then decodes with the Cornerstone codec). */
export const loadOpenJpeg = lazyCodec('openjpeg', (codec) => OpenJpeg.of(codec), 'electron/dicom/openjpeg.md');

/** Which JPEG 2000 decoder this thread uses, in words (for the benchmark and diagnostics). */
export async function j2kDecoderName(): Promise<string> {
  const { decoder, why } = await loadOpenJpeg();
  return decoder ? 'Lumen OpenJPEG 2.5.0 (WASM SIMD)' : `@cornerstonejs/codec-openjpeg (${why})`;
}
