import { CliError, type Command } from './command';

// Placeholder until this command is built (see the open issues); it says so instead of pretending.
export const command: Command = {
  summary: 'lumen import (not built yet)',
  usage: 'lumen import',
  async run() {
    throw new CliError('"lumen import" is not built yet in this version.');
  },
};
