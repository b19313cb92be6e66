#!/usr/bin/env node
// The `lumen` command. The sources are TypeScript; tsx loads them in place so
// the CLI, the tests and the bridge run exactly the code the app ships.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../electron/cli/main.ts');
const code = await main(process.argv.slice(2));
// GPU runtimes (Dawn, ONNX Runtime) keep handles open after their work is
// done; a finished command exits once its output is flushed.
process.stdout.write('', () => process.exit(code));
