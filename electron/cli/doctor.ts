import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen doctor (not built yet)',
  usage: 'lumen doctor',
  async run() {
    throw new CliError('"lumen doctor" is not built yet in this version.');
  },
};
