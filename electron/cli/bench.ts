import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen bench (not built yet)',
  usage: 'lumen bench',
  async run() {
    throw new CliError('"lumen bench" is not built yet in this version.');
  },
};
