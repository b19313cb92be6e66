import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen render (not built yet)',
  usage: 'lumen render',
  async run() {
    throw new CliError('"lumen render" is not built yet in this version.');
  },
};
