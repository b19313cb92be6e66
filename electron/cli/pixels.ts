import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen pixels (not built yet)',
  usage: 'lumen pixels',
  async run() {
    throw new CliError('"lumen pixels" is not built yet in this version.');
  },
};
