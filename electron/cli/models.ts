import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen models (not built yet)',
  usage: 'lumen models',
  async run() {
    throw new CliError('"lumen models" is not built yet in this version.');
  },
};
