import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen export (not built yet)',
  usage: 'lumen export',
  async run() {
    throw new CliError('"lumen export" is not built yet in this version.');
  },
};
