import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen ls (not built yet)',
  usage: 'lumen ls',
  async run() {
    throw new CliError('"lumen ls" is not built yet in this version.');
  },
};
