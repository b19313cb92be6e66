import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen eval (not built yet)',
  usage: 'lumen eval',
  async run() {
    throw new CliError('"lumen eval" is not built yet in this version.');
  },
};
