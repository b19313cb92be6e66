// CT slices as the tests and benchmarks write them (ctImageSpec), and a CT image of a named
// patient as the e2e tests import it into the app: the study list shows the patient, the viewer
// the image in the soft-tissue window.
import { writeImage, type ElementValue, type ImageSpec } from './write';

export interface CtImage {
  /** Rows and columns. */
  size: number;
  /** HU, signed 16-bit, every frame one after the other. */
  pixels: Int16Array;
  frames?: number;
  /** The study is `${uid}.1`, the series `${uid}.2`, the image `${uid}.3.${instance}`. */
  uid: string;
  patient: { name: string; id: string };
  instance: number;
  /** More elements (series description, geometry...). */
  extra?: Record<number, ElementValue>;
}

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/**
 * The one CT slice the tests and benchmarks write: CT Image Storage of `size`², signed 16-bit
 * HU (`pixels`, every frame one after the other), rescale 1/0, its own window W 400 L 40.
 * `extra` gives the rest of the header (UIDs, patient, geometry...), `spec` the rest of the spec
 * (frames, uid...).
 */
export function ctImageSpec(size: number, pixels: Int16Array, extra: Record<number, ElementValue> = {}, spec: Partial<ImageSpec> = {}): ImageSpec {
  return {
    rows: size,
    columns: size,
    bitsAllocated: 16,
    pixelRepresentation: 1,
    modality: 'CT',
    rescaleSlope: 1,
    rescaleIntercept: 0,
    windowCenter: 40,
    windowWidth: 400,
    pixelBytes: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    ...spec,
    extra: { 0x00080016: { vr: 'UI', value: CT_IMAGE_STORAGE }, ...extra },
  };
}

/** Writes a CT Image Storage file of a named patient (ctImageSpec). */
export function writeCtImage(file: string, ct: CtImage): void {
  const extra = {
    0x00100010: { vr: 'PN', value: ct.patient.name },
    0x00100020: { vr: 'LO', value: ct.patient.id },
    0x00080018: { vr: 'UI', value: `${ct.uid}.3.${ct.instance}` },
    0x0020000d: { vr: 'UI', value: `${ct.uid}.1` },
    0x0020000e: { vr: 'UI', value: `${ct.uid}.2` },
    0x00200013: { vr: 'IS', value: ct.instance },
    ...ct.extra,
  };
  writeImage(file, ctImageSpec(ct.size, ct.pixels, extra, { frames: ct.frames, uid: ct.uid }));
}
