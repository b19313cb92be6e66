import { decodeFrame, dtypeOf } from '../dicom/decode';
import { parseDicomFile, type ParsedDicom } from '../dicom/parse';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { checkOutputFile } from './output-file';
import { checkUserPath, shownPath } from '../../common/node/user-path';
import { undoCreatedOnFailure, writeFileAtomic } from '../../common/node/safe-fs';
import { describeFsError } from '../../common/node/fs-errors';

/** Parses --frame (0-based); a readable error otherwise. */
export function frameArg(value: string | undefined): number {
  if (value === undefined) return 0;
  // Digits only: Number() would read "" as 0 and "0x1" as 1.
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new CliError(`--frame must be a whole number from 0 (got "${value}").`, 2);
  return n;
}

/**
 * --frame checked against the file: the CLI's own words for a frame past the end, with its flag
 * and its count from 0 (the app says it its way: common/frames.ts).
 */
export function frameInFile(parsed: ParsedDicom, value: string | undefined): number {
  const n = frameArg(value);
  const frames = parsed.meta.numberOfFrames;
  if (n >= frames) throw new CliError(`--frame ${n} is past the end: ${parsed.file} has ${frames} frame${frames === 1 ? '' : 's'}, so --frame goes from 0 to ${frames - 1}.`);
  return n;
}

/**
 * Writes --out whole or not at all (a temp file beside it, one rename): a failure (a full disk)
 * leaves neither a torn file nor an old one cut short, and is said in words.
 */
export async function writeOutFile(file: string, bytes: Uint8Array): Promise<void> {
  await undoCreatedOnFailure(file, () => writeFileAtomic(file, bytes, { durable: false })).catch((err: unknown) => {
    throw new CliError(`cannot write ${shownPath(file)}: ${describeFsError(err)}. Check the folder exists and is writable, and that the disk has room.`);
  });
}

export const command: Command = {
  summary: 'Write the decoded stored values of one frame (before any LUT) as little-endian raw samples.',
  usage: 'lumen pixels <file> [--frame N] --out <file.raw> [--json]\n  --frame N   frame index from 0 (default 0)\n  color comes out as interleaved RGB; prints rows, columns, samplesPerPixel, bitsAllocated, pixelRepresentation, photometricInterpretation, dtype',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      frame: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliError('give exactly one DICOM file. Usage: lumen pixels <file> --frame N --out <file.raw>', 2);
    if (values.out === undefined) throw new CliError('--out <file.raw> is required: where to write the samples.', 2);
    checkUserPath(positionals[0], 'file', 'the DICOM file');
    checkOutputFile(values.out, '--out');
    const parsed = await parseDicomFile(positionals[0]);
    const frame = await decodeFrame(parsed, frameInFile(parsed, values.frame));
    const px = frame.pixels;
    // Typed arrays are little-endian on every platform Lumen runs on.
    await writeOutFile(values.out, new Uint8Array(px.buffer, px.byteOffset, px.byteLength));
    const info = {
      rows: frame.rows,
      columns: frame.columns,
      samplesPerPixel: frame.samplesPerPixel,
      bitsAllocated: frame.bitsAllocated,
      pixelRepresentation: frame.pixelRepresentation,
      photometricInterpretation: frame.photometricInterpretation,
      dtype: dtypeOf(px),
    };
    if (values.json) printJson(info);
    else process.stdout.write(`${values.out}: ${info.columns}x${info.rows}, ${info.samplesPerPixel} sample(s), ${info.dtype}, ${info.photometricInterpretation}\n`);
    return 0;
  },
};
