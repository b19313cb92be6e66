import { APP_VERSION } from '../../common/version';
import { CliError, UsageError, type Command } from './command';
import { errorMessage } from '../../common/errors';

// Each command lives in its own module, loaded only when it runs, so that
// `lumen --version` does not pay for TensorFlow.js or the codecs.
const commands: Record<string, () => Promise<{ command: Command }>> = {
  doctor: () => import('./doctor'),
  serve: () => import('./serve'),
  models: () => import('./models'),
  export: () => import('./export'),
  bench: () => import('../../bench/index'),
  import: () => import('./import'),
  ls: () => import('./ls'),
  pixels: () => import('./pixels'),
  render: () => import('./render'),
  train: () => import('./train'),
  eval: () => import('./eval'),
  compare: () => import('./compare'),
  labels: () => import('./labels'),
  predict: () => import('./predict'),
  predictions: () => import('./predictions'),
  suggest: () => import('./suggest'),
  audit: () => import('./audit'),
  weights: () => import('./weights'),
  settings: () => import('./settings'),
  pacs: () => import('./pacs'),
};

function help(): string {
  return [
    `lumen ${APP_VERSION} — DICOM review and EfficientNet classifiers, offline.`,
    '',
    'Usage: lumen <command> [options]   (lumen <command> --help for details)',
    '',
    'Commands:',
    ...Object.keys(commands).map((name) => `  ${name}`),
    '',
    '  --version   print the version',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(APP_VERSION + '\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`lumen: unknown command "${name}". Run "lumen --help" for the list.\n`);
    return 2;
  }
  const { command } = await load();
  if (!command.ownHelp && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  try {
    return await command.run(rest);
  } catch (err) {
    const message = err instanceof UsageError ? `${err.message} "lumen ${name} --help" lists the options.` : errorMessage(err);
    if (json) process.stdout.write(JSON.stringify({ error: message }) + '\n');
    else process.stderr.write(`lumen ${name}: ${message}\n`);
    if (!(err instanceof CliError) && process.env.LUMEN_DEBUG && err instanceof Error) process.stderr.write(err.stack + '\n');
    return err instanceof CliError ? err.exitCode : 1;
  }
}
