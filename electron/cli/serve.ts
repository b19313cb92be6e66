import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendName } from '../../common/contract';
import { EngineHost } from '../engine/host';
import { startBridge } from '../serve/server';
import { defaultDataDir } from '../library/paths';
import { ensurePrivateDir } from '../../common/node/safe-fs';
import { CliError, type Command, decimalNumber, parseCommandArgs } from './command';
import { untilStopped } from './interrupt';
import { checkUserPath } from '../../common/node/user-path';

const here = path.dirname(fileURLToPath(import.meta.url));

export const command: Command = {
  summary: 'Serve the Lumen UI to a browser on this machine (127.0.0.1 only, with a one-time token), backed by the real engine.',
  usage: 'lumen serve [--port N] [--data-dir DIR] [--backend tensorflow|webgpu|wasm|cpu]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { port: { type: 'string' }, 'data-dir': { type: 'string' }, backend: { type: 'string' } }, { positionals: false });
    const port = values.port !== undefined ? decimalNumber(values.port) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a number from 0 to 65535, not "${values.port}".`, 2);
    // Checked here: the engine would otherwise start, serve the page and fail only its first request.
    const backend = values.backend === undefined ? null : BackendName.safeParse(values.backend).data;
    if (backend === undefined) throw new CliError(`--backend must be one of ${BackendName.options.join(', ')}, not "${values.backend!.slice(0, 40)}".`, 2);
    const dataDir = values['data-dir'] !== undefined ? checkUserPath(values['data-dir'], 'output-folder', '--data-dir') : defaultDataDir();
    // Checked before serving: the engine would otherwise serve the page and fail every request.
    // A folder is made in it and removed again: access() says yes to root everywhere, and to
    // folders of /proc and /sys that take no new entries.
    try {
      ensurePrivateDir(dataDir, { tighten: false });
      fs.accessSync(dataDir, fs.constants.W_OK);
      fs.rmdirSync(fs.mkdtempSync(path.join(dataDir, '.lumen-check-')));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way'
        : code === 'EROFS' ? 'the file system is read-only'
        : code === 'ENOENT' ? 'no folder can be made there'
        : code === 'ENAMETOOLONG' ? 'the name is too long'
        : code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_INVALID_ARG_TYPE' ? 'the name holds a character no file name can'
        : `error ${code ?? 'unknown'}`;
      throw new CliError(`cannot create or write to the data folder ${dataDir} (${why}). Name a folder you can write to with --data-dir.`, 1);
    }
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const host = new EngineHost({ dataDir, shell: 'browser', backend, log });
    const bridge = await startBridge({ host, staticDir: path.resolve(here, '../../renderer/dist'), port, log });
    // One line a script can parse, then a human hint.
    process.stdout.write(`Lumen is serving at ${bridge.url}\n`);
    process.stderr.write('Open that address in a browser on this machine. Press Ctrl+C to stop.\n');
    await untilStopped();
    await bridge.close();
    await host.close();
    return 0;
  },
};
