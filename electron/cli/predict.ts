import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen predict (not built yet)',
  usage: 'lumen predict',
  async run() {
    throw new CliError('"lumen predict" is not built yet in this version.');
  },
};
