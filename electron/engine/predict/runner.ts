// Running a model package on library images: the model inputs `lumen predict` makes
// (electron/dicom/model-input.ts: the one pixel pipeline, the package's window and
// normalisation), then ONNX Runtime on the package's graph exported with its last feature
// maps, which gives the class scores and, from the same pass, the exact class activation
// map (GAP + one dense layer: M_k = sum_c w[c,k] * A_c over the last feature maps).
//
// The graph is exported again from the package's TF.js model (model.json, covered by the
// content hash) rather than read from model.onnx, which has no feature-map output: the
// same exporter and weights, so the scores are `lumen predict`'s. The dense head is found
// from the graph (models/inference/cam.ts), whatever its layers are called.
import type { CamMap } from '../../../common/contract/models';
import type { InstanceRecord } from '../../library/types';
import { loadModelInputs } from '../../dicom/model-input';
import { camHead, classActivationMap, nhwcToNchw, OnnxModelSession, type CamHead } from '../../../models/inference';
import { exportOnnx } from '../../../models/onnx';
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
    private readonly session: OnnxModelSession,
    private readonly head: CamHead,
  ) {}

  static async open(pkg: LoadedPackage): Promise<PackageRunner> {
    const what = `Model package ${pkg.dir}`;
    if (!activeBackend()) await initBackend(); // TF.js reads the weights
    const model = await loadTfjsModel(pkg.dir);
    let head: CamHead;
    let graph: Uint8Array;
    try {
      head = camHead(model, what);
      graph = exportOnnx(model, { featureMaps: true }).bytes;
    } finally {
      model.dispose();
    }
    if (head.classes !== pkg.metadata.classNames.length) {
      throw new Error(`${what}: its dense head has ${head.classes} outputs but metadata.json names ${pkg.metadata.classNames.length} classes.`);
    }
    return new PackageRunner(pkg, await OnnxModelSession.create(graph), head);
  }

  async run(instance: InstanceRecord, frame: number): Promise<ImageOutput> {
    const { inputSize: size, preprocessing } = this.pkg.metadata;
    const [input] = await loadModelInputs([{ path: instance.path, frame }], preprocessing, size);
    const out = await this.session.run(nhwcToNchw(input, 1, size, size, 3), 1);
    if (!out.probabilities || !out.featureMaps) throw new Error(`Model package ${this.pkg.dir} gave no class scores: it is a feature extractor, not a classifier.`);
    const probs = Array.from(out.probabilities);
    const { data: maps, height: fh, width: fw } = out.featureMaps;
    const img = { rows: instance.rows ?? size, columns: instance.columns ?? size };
    const classes = probs.length;
    // The image's box inside the letterboxed input (modelInput centres it), in feature cells.
    const scale = size / Math.max(img.rows, img.columns);
    const boxW = (Math.max(1, Math.round(img.columns * scale)) / size) * fw;
    const boxH = (Math.max(1, Math.round(img.rows * scale)) / size) * fh;
    const x0 = (fw - boxW) / 2;
    const y0 = (fh - boxH) / 2;
    const cam: ImageOutput['cam'] = [];
    for (let k = 0; k < classes; k++) {
      const full = classActivationMap(this.head, maps, fh, fw, k);
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

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
