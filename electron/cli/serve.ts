import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen serve (not built yet)',
  usage: 'lumen serve',
  async run() {
    throw new CliError('"lumen serve" is not built yet in this version.');
  },
};
