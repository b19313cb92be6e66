// Running a model package on library images: the one pixel pipeline
// (electron/dicom: decode -> Modality LUT -> the package's window -> model
// input), then the package's TF.js model, which gives the class scores and,
// from the same pass, the exact class activation map (GAP + one dense layer:
// M_k = sum_c w[c,k] * A_c over the last feature maps).
import * as tf from '@tensorflow/tfjs';
import type { CamMap } from '../../../common/contract/models';
import { parseDicomFile } from '../../dicom/parse';
import { modelInput, renderFrame, VOI_PRESETS } from '../../dicom/pixels';
import type { InstanceRecord } from '../../library/types';
import { activeBackend, initBackend } from '../../../models/runtime';
import { loadTfjsModel } from '../../../models/weights/tfjs-format';
import type { LoadedPackage } from '../../../models/package';

export interface ImageOutput {
  scores: number[];
  /** CAM per class over the image (the reference is filled in by the caller). */
  cam: Omit<CamMap, 'reference'>[];
}

export class PackageRunner {
  private constructor(
    readonly pkg: LoadedPackage,
    private readonly model: tf.LayersModel,
    private readonly kernel: Float32Array,
    private readonly channels: number,
  ) {}

  static async open(pkg: LoadedPackage): Promise<PackageRunner> {
    if (!activeBackend()) await initBackend();
    const loaded = await loadTfjsModel(pkg.dir);
    let features: tf.SymbolicTensor;
    let dense: tf.layers.Layer;
    try {
      features = loaded.getLayer('top_activation').output as tf.SymbolicTensor;
      dense = loaded.getLayer('logits');
    } catch {
      loaded.dispose();
      throw new Error(`Model package ${pkg.dir}: no "top_activation" and "logits" layers, so no class activation map can be computed. Re-save it from a Lumen classifier.`);
    }
    const both = tf.model({ inputs: loaded.inputs, outputs: [features, loaded.outputs[0]] });
    const kernel = (dense.getWeights()[0] as tf.Tensor2D).dataSync() as Float32Array;
    return new PackageRunner(pkg, both, Float32Array.from(kernel), features.shape[3] as number);
  }

  /** The window the package was trained with: explicit, a preset id or name, or the file's own. */
  private window(modality: string | null): { center: number; width: number } | undefined {
    const w = this.pkg.metadata.preprocessing.window;
    if (!w) return undefined;
    if (typeof w !== 'string') return w;
    const key = w.toLowerCase();
    const all = [...(VOI_PRESETS[modality ?? ''] ?? []), ...Object.values(VOI_PRESETS).flat()];
    const found = all.find((p) => p.id === key || p.id.endsWith(`-${key}`) || p.name.toLowerCase() === key);
    return found ? { center: found.center, width: found.width } : undefined;
  }

  async run(instance: InstanceRecord, frame: number): Promise<ImageOutput> {
    const { inputSize: size, preprocessing } = this.pkg.metadata;
    const parsed = await parseDicomFile(instance.path);
    const img = await renderFrame(parsed, frame, { window: this.window(parsed.meta.modality) });
    const input = modelInput(img, size, preprocessing);
    const [featData, fh, fw, probs] = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, size, size, 3]);
      const [f, p] = this.model.predict(x) as tf.Tensor[];
      return [f.dataSync() as Float32Array, f.shape[1] as number, f.shape[2] as number, Array.from(p.dataSync())];
    });
    const classes = probs.length;
    // The image's box inside the letterboxed input (modelInput centres it), in feature cells.
    const scale = size / Math.max(img.rows, img.columns);
    const boxW = (Math.max(1, Math.round(img.columns * scale)) / size) * fw;
    const boxH = (Math.max(1, Math.round(img.rows * scale)) / size) * fh;
    const x0 = (fw - boxW) / 2;
    const y0 = (fh - boxH) / 2;
    const cam: ImageOutput['cam'] = [];
    for (let k = 0; k < classes; k++) {
      const full = new Float32Array(fh * fw);
      for (let p = 0; p < fh * fw; p++) {
        let s = 0;
        for (let c = 0; c < this.channels; c++) s += featData[p * this.channels + c] * this.kernel[c * classes + k];
        full[p] = s;
      }
      // Keep the cells over the image (all of them for a square image).
      const cx0 = Math.max(0, Math.floor(x0));
      const cy0 = Math.max(0, Math.floor(y0));
      const cw = Math.min(fw - cx0, Math.ceil(boxW));
      const chh = Math.min(fh - cy0, Math.ceil(boxH));
      const crop = new Float32Array(cw * chh);
      let min = Infinity;
      let max = -Infinity;
      for (let y = 0; y < chh; y++) {
        for (let x = 0; x < cw; x++) {
          const v = full[(cy0 + y) * fw + cx0 + x];
          crop[y * cw + x] = v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      cam.push({ classIndex: k, rows: chh, columns: cw, values: Buffer.from(crop.buffer).toString('base64'), min, max });
    }
    return { scores: probs, cam };
  }

  dispose(): void {
    this.model.dispose();
  }
}
