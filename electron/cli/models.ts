import * as tf from '@tensorflow/tfjs';
import { summarizeVariants } from '../../models';
import { CliError, type Command, parseCommandArgs, printJson } from './command';

export const command: Command = {
  summary: "List the EfficientNet variants with their resolution, parameters, multiply-adds and embedding size (1000-class top); `packages`: the installed model packages, each with its training domain in one line; `versions <name>`: a package's versions (a training run that reuses a name keeps the earlier package), newest first; `show <package>`: one package's training domain in full; `export <package> --out <file.lumenpkg>`: a package or one version as one file to share (only the package's files); `import <file.lumenpkg>`: install such a file; `delete <name>[@<hash prefix>]`: delete a version (the next newest then runs under the name), with --all-versions the whole package, or an interrupted run's checkpoint (<name>.checkpoint); asks first unless --yes.",
  usage: 'lumen models [--json]\n       lumen models packages [--json]\n       lumen models versions <name> [--json]\n       lumen models show <folder | name | name@hash prefix | content-hash prefix> [--json]\n       lumen models export <name | name@hash prefix | content-hash prefix | folder> --out <file.lumenpkg> [--overwrite] [--json]\n       lumen models import <file.lumenpkg> [--json]\n       lumen models delete <name>[@<hash prefix>] [--all-versions] [--yes] [--json]',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, 'all-versions': { type: 'boolean' }, yes: { type: 'boolean' }, out: { type: 'string' }, overwrite: { type: 'boolean' } });
    const [sub, arg, ...extra] = positionals;
    if (sub !== undefined) {
      if (extra.length || (sub === 'packages' && arg !== undefined)) throw new CliError(`unexpected arguments: ${[...(sub === 'packages' ? [arg] : []), ...extra].join(' ')}`, 2);
      if (sub !== 'delete' && (values['all-versions'] || values.yes)) throw new CliError(`--all-versions and --yes belong to lumen models delete`, 2);
      if (sub !== 'export' && (values.out !== undefined || values.overwrite)) throw new CliError(`--out and --overwrite belong to lumen models export`, 2);
      const { deleteInstalled, listInstalled, listVersions, showPackage } = await import('./model-packages');
      if (sub === 'packages') return listInstalled(values.json === true);
      if (sub === 'show') return showPackage(arg, values.json === true);
      if (sub === 'versions') return listVersions(arg, values.json === true);
      if (sub === 'export') return (await import('./model-export')).exportInstalled(arg, { out: values.out, overwrite: values.overwrite === true, json: values.json === true });
      if (sub === 'import') return (await import('./model-export')).importArchive(arg, values.json === true);
      if (sub === 'delete') return deleteInstalled(arg, { allVersions: values['all-versions'] === true, yes: values.yes === true, json: values.json === true });
      throw new CliError(`unknown subcommand ${JSON.stringify(sub)}: lumen models [packages | versions <name> | show <package> | export <package> --out <file.lumenpkg> | import <file.lumenpkg> | delete <name>] [--json]`, 2);
    }
    // Only shapes are needed: the plain cpu backend builds every variant in seconds. Prod mode
    // keeps TF.js's "Hi, looks like you are running TensorFlow.js in Node.js" banner off stderr
    // (models/runtime.ts does the same for the commands that load it); it changes no kernel.
    tf.enableProdMode();
    await tf.setBackend('cpu');
    const rows = summarizeVariants();
    if (values['all-versions'] || values.yes) throw new CliError('--all-versions and --yes belong to lumen models delete', 2);
    if (values.out !== undefined || values.overwrite) throw new CliError('--out and --overwrite belong to lumen models export', 2);
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
