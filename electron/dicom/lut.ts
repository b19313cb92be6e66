// Lookup tables a file may carry for display (PS3.3 C.11): the Modality LUT
// Sequence (0028,3000), which replaces Rescale Slope/Intercept, and the VOI LUT
// Sequence (0028,3010), tables that replace a window. Each item holds a LUT
// Descriptor (0028,3002: entries, first stored value mapped, bits per entry)
// and LUT Data (0028,3006). Read here for pixels.ts, the one pixel pipeline.
import type dicomParser from 'dicom-parser';

export interface LutTable {
  /** The first input value mapped; inputs below map to the first entry, above to the last. */
  first: number;
  /** Bits per entry (the descriptor's third value): VOI LUT output spans 0 .. 2^bits - 1. */
  bits: number;
  data: Uint16Array;
  /** LUT Explanation (0028,3003), for the viewer's preset names. */
  explanation?: string;
}

/** Whether a data set carries the sequence (cheap: no table is read). */
export function hasLutSequence(ds: dicomParser.DataSet, tag: 'x00283000' | 'x00283010'): boolean {
  return Boolean(ds.elements[tag]?.items?.length);
}

/** The tables of a LUT sequence; items without a usable descriptor or data are left out. */
export function readLutSequence(ds: dicomParser.DataSet, tag: 'x00283000' | 'x00283010', signedInput: boolean): LutTable[] {
  const items = ds.elements[tag]?.items ?? [];
  const out: LutTable[] = [];
  for (const item of items) {
    const d = item.dataSet;
    if (!d) continue;
    const desc = d.elements.x00283002;
    const data = d.elements.x00283006;
    if (!desc || desc.length < 6 || !data || data.length < 1) continue;
    const entries = d.uint16('x00283002', 0) || 65536;
    // The first mapped value is signed when the stored values are (its VR is then SS).
    const first = signedInput || desc.vr === 'SS' ? (d.int16('x00283002', 1) ?? 0) : (d.uint16('x00283002', 1) ?? 0);
    const bits = d.uint16('x00283002', 2) || 16;
    let table: Uint16Array;
    if (bits <= 8 && data.length === entries + (entries % 2)) {
      // 8-bit entries one a byte (OB), as some writers store them.
      table = Uint16Array.from(d.byteArray.subarray(data.dataOffset, data.dataOffset + entries));
    } else {
      const n = Math.min(entries, data.length >> 1);
      table = new Uint16Array(n);
      for (let i = 0; i < n; i++) table[i] = d.uint16('x00283006', i) ?? 0;
    }
    if (table.length === 0) continue;
    const explanation = d.string('x00283003')?.trim();
    out.push({ first, bits: Math.min(16, Math.max(1, bits)), data: table, explanation: explanation || undefined });
  }
  return out;
}

/** The table's output for one input value. */
export function lookUp(t: LutTable, x: number): number {
  const i = Math.round(x) - t.first;
  return t.data[i < 0 ? 0 : i >= t.data.length ? t.data.length - 1 : i];
}

/** A VOI LUT's output scaled to gray 0..255 (its range is 0 .. 2^bits - 1). */
export function voiTableGray(t: LutTable, values: ArrayLike<number>, invert: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  const max = 2 ** t.bits - 1;
  for (let i = 0; i < values.length; i++) {
    const g = Math.round((Math.min(lookUp(t, values[i]), max) * 255) / max);
    out[i] = invert ? 255 - g : g;
  }
  return out;
}
