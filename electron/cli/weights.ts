import { defaultDataDir, openDataDir } from '../library/paths';
import { IMAGENET_VARIANTS, importImagenetWeights, listImagenetWeights, publishedFile, WeightsImportError, type ImagenetVariant } from '../training/imagenet';
import { downloadImagenetWeights, DownloadError } from '../training/weights-download';
import { KERAS_WEIGHTS_BASE_URL } from '../../models/weights';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { checkUserPath } from '../../common/node/user-path';

const USAGE = [
  'lumen weights import <file.h5> [--variant b0..b7] [--json]',
  '       lumen weights list [--json]',
  '       lumen weights download <b0..b7> [--json]   (needs internet; fetches Keras\' published file)',
].join('\n');

export const command: Command = {
  summary: 'ImageNet weights for EfficientNet B0..B7: import Keras\' .h5 files from disk (or download them) into the data folder, and list them.',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { variant: { type: 'string' }, json: { type: 'boolean' } });
    const [sub, arg, ...extra] = positionals;
    if (extra.length) throw new CliError(`unexpected arguments: ${extra.join(' ')}`, 2);
    const dataDir = openDataDir(defaultDataDir());
    const say = (line: string) => {
      if (!values.json && process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    };

    if (sub === 'list') {
      const list = listImagenetWeights(dataDir);
      if (values.json) printJson(list);
      else if (list.length === 0) process.stdout.write(`No ImageNet weights in ${dataDir}. Import a Keras file with "lumen weights import efficientnetb0_notop.h5".\n`);
      else for (const w of list) process.stdout.write(`${w.variant}  ${w.file}  ${w.published ? `the published ${w.published}` : 'not a published Keras file'}  ${w.packageDir}\n`);
      return 0;
    }

    if (sub === 'import') {
      if (!arg) throw new CliError('name the Keras file: lumen weights import <file.h5>', 2);
      checkUserPath(arg, 'file', 'the Keras weights file');
      try {
        const record = await importImagenetWeights({ dataDir, file: arg, variant: values.variant, onProgress: say });
        say('');
        if (values.json) printJson(record);
        else process.stdout.write(`Imported EfficientNet-${record.variant.toUpperCase()} ImageNet weights from ${record.file}.\n${record.check}.\nTrain with them: lumen train --variant ${record.variant} --imagenet ...\n`);
        return 0;
      } catch (err) {
        if (err instanceof WeightsImportError) throw new CliError(err.message);
        throw err;
      }
    }

    if (sub === 'download') {
      const variant = arg?.toLowerCase();
      if (!variant || !(IMAGENET_VARIANTS as readonly string[]).includes(variant)) throw new CliError(`name the variant to download, one of ${IMAGENET_VARIANTS.join(', ')}: lumen weights download <variant>`, 2);
      const published = publishedFile(variant as ImagenetVariant);
      // Only for tests against a local server; the published file's hash is checked all the same.
      const baseUrl = process.env.LUMEN_WEIGHTS_BASE_URL || KERAS_WEIGHTS_BASE_URL;
      if (!values.json) process.stderr.write(`Downloading ${published.file} from ${new URL(published.file, baseUrl)}\n`);
      try {
        const record = await downloadImagenetWeights({ dataDir, variant: variant as ImagenetVariant, baseUrl, onProgress: (p) => say(p.message) });
        say('');
        if (values.json) printJson(record);
        else process.stdout.write(`Downloaded and verified ${published.file} (MD5 ${record.md5}); EfficientNet-${record.variant.toUpperCase()} ImageNet weights are ready.\n`);
        return 0;
      } catch (err) {
        // The download's messages are clauses (the app shows them after its own words): a sentence here.
        if (err instanceof DownloadError || err instanceof WeightsImportError) throw new CliError(/[.!?]$/.test(err.message) ? err.message : `${err.message}.`);
        throw err;
      }
    }

    throw new CliError(`${sub ? `unknown action "${sub.slice(0, 40)}"` : 'name an action'}; one of import, list, download.\n\nUsage: ${USAGE}`, 2);
  },
};
