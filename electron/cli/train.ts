import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen train (not built yet)',
  usage: 'lumen train',
  async run() {
    throw new CliError('"lumen train" is not built yet in this version.');
  },
};
