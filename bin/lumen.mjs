#!/usr/bin/env node
// The `lumen` command. The sources are TypeScript; tsx loads them in place so
// the CLI, the tests and the bridge run exactly the code the app ships.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
