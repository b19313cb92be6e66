import { parseDicomFile } from '../dicom/parse';
import { encodePng, renderFrame } from '../dicom/pixels';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson } from './command';
import { checkOutputFile } from './output-file';
import { frameInFile, writeOutFile } from './pixels';
import { checkUserPath } from '../../common/node/user-path';

function windowArg(value: string | undefined): { center: number; width: number } | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map(decimalNumber);
  if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[1] < 1) {
    throw new CliError(`--window must be "center,width" with width at least 1, e.g. --window 40,400 (got "${value}").`, 2);
  }
  return { center: parts[0], width: parts[1] };
}

export const command: Command = {
  summary: 'Write one frame as a PNG: modality LUT, window (the file\'s own unless --window), MONOCHROME1 inverted, color as RGB.',
  usage: 'lumen render <file> [--frame N] [--window C,W] --out <file.png> [--json]\n  --frame N       frame index from 0 (default 0)\n  --window C,W    window centre and width in modality units (HU for CT)',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      frame: { type: 'string' },
      window: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new CliError('give exactly one DICOM file: lumen render <file> [--frame N] [--window C,W] --out <file.png>', 2);
    if (values.out === undefined) throw new CliError('--out <file.png> is required: where to write the image.', 2);
    checkUserPath(positionals[0], 'file', 'the DICOM file');
    checkOutputFile(values.out, '--out');
    const window = windowArg(values.window);
    const parsed = await parseDicomFile(positionals[0]);
    const image = await renderFrame(parsed, frameInFile(parsed, values.frame), { window });
    await writeOutFile(values.out, encodePng(image));
    const info = { out: values.out, rows: image.rows, columns: image.columns, channels: image.channels, window: image.window ?? null };
    if (values.json) printJson(info);
    else process.stdout.write(`${values.out}: ${image.columns}x${image.rows}${image.window ? `, window ${image.window.center},${image.window.width}` : ''}\n`);
    return 0;
  },
};
