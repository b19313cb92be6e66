#!/usr/bin/env node
// The `lumen` command. The sources are TypeScript; tsx loads them in place so
// the CLI, the tests and the bridge run exactly the code the app ships.
import { readFileSync } from 'node:fs';

// On a Node older than package.json's "engines", npm install goes on without a word (the
// project's .npmrc shows npm's errors only), and what failed later named no version: say it
// here, before anything that might not load on that Node.
const need = /^>=(\d+)\.(\d+)/.exec(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines.node);
const [major, minor] = process.versions.node.split('.').map(Number);
if (need && (major < Number(need[1]) || (major === Number(need[1]) && minor < Number(need[2])))) {
  process.stderr.write(`lumen needs Node ${need[1]}.${need[2]} or later (package.json "engines"); this is Node ${process.versions.node}. Install Node 24 LTS and run it again.\n`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../electron/cli/main.ts');
const code = await main(process.argv.slice(2));
// GPU runtimes (Dawn, ONNX Runtime) keep handles open after their work is
// done; a finished command exits once its output is flushed.
process.stdout.write('', () => process.exit(code));
