// Segmented Palette Color Lookup Table Data (0028,1221-1223; PS3.3 C.7.9.2): a palette stored as
// segments, expanded here to the plain table pixels.ts reads. Three kinds of segment, each
// opcode, length, data (16-bit words):
//   0 discrete: Length entries as they are;
//   1 linear:   Length entries on the straight line from the previous segment's end (X0, Y0),
//               exclusive, to (X0 + Length, Y1), inclusive (C.7.9.2.2);
//   2 indirect: Length segments again, starting with the one at a 32-bit byte offset (low word
//               first) from the data's start (C.7.9.2.3).

/** The expanded table of `entries` values, or a reason it cannot be expanded (a corrupt file). */
export function expandSegmentedPalette(data: Uint16Array, entries: number): Uint16Array | string {
  // Where each segment starts (in words), for indirect segments to find theirs.
  const starts: number[] = [];
  for (let at = 0; at < data.length; ) {
    const opcode = data[at];
    const length = data[at + 1] ?? 0;
    const size = opcode === 0 ? 2 + length : opcode === 1 ? 3 : opcode === 2 ? 4 : -1;
    if (size < 0) return `segment ${starts.length + 1} has opcode ${opcode}, which is none of discrete (0), linear (1) or indirect (2)`;
    if (at + size > data.length) return `segment ${starts.length + 1} runs past the end of the data`;
    starts.push(at);
    at += size;
  }
  const out = new Uint16Array(entries);
  let n = 0;
  const expand = (index: number, copying: boolean): string | undefined => {
    const at = starts[index];
    const length = data[at + 1];
    switch (data[at]) {
      case 0:
        for (let i = 0; i < length && n < entries; i++) out[n++] = data[at + 2 + i];
        return undefined;
      case 1: {
        if (n === 0) return `segment ${index + 1} is linear but no segment comes before it to start from`;
        const y0 = out[n - 1];
        const y1 = data[at + 2];
        for (let i = 1; i <= length && n < entries; i++) out[n++] = Math.round(y0 + ((y1 - y0) * i) / length);
        return undefined;
      }
      default: {
        // An indirect segment copying another indirect one could loop: the standard has no use for it.
        if (copying) return `segment ${index + 1} is indirect inside an indirect copy`;
        const offset = data[at + 2] + data[at + 3] * 65536;
        const from = starts.indexOf(offset / 2);
        if (from < 0 || from >= index) return `segment ${index + 1} copies from byte ${offset}, where no earlier segment starts`;
        for (let k = from; k < from + length && k < index; k++) {
          const why = expand(k, true);
          if (why) return why;
        }
        return undefined;
      }
    }
  };
  for (let i = 0; i < starts.length && n < entries; i++) {
    const why = expand(i, false);
    if (why) return why;
  }
  if (n < entries) return `its segments expand to ${n} entries, but its descriptor says ${entries}`;
  return out;
}
