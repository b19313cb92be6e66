import * as tf from '@tensorflow/tfjs';
import { summarizeVariants } from '../../models';
import { type Command, parseCommandArgs, printJson } from './command';

export const command: Command = {
  summary: 'List the EfficientNet variants with their resolution, parameters, multiply-adds and embedding size (1000-class top).',
  usage: 'lumen models [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } }, { positionals: false });
    // Only shapes are needed: the plain cpu backend builds every variant in seconds. Prod mode
    // keeps TF.js's "Hi, looks like you are running TensorFlow.js in Node.js" banner off stderr
    // (models/runtime.ts does the same for the commands that load it); it changes no kernel.
    tf.enableProdMode();
    await tf.setBackend('cpu');
    const rows = summarizeVariants();
    if (values.json) {
      printJson(rows);
      return 0;
    }
    const header = ['variant', 'family', 'resolution', 'params', 'GMACs', 'embedding'];
    const table = rows.map((r) => [r.name, r.family, String(r.resolution), r.params.toLocaleString('en-US'), (r.macs / 1e9).toFixed(3), String(r.embeddingDim)]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    process.stdout.write([line(header), ...table.map(line)].join('\n') + '\n');
    return 0;
  },
};
