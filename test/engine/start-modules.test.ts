// What the engine and the bridge load as they start: a module that only one rarely used
// request needs is loaded by that request, not by every start (each app start, CLI command
// and browser session paid for it). Checked in a fresh Node process whose module loader records every
// module it resolves, as the engine worker loads them (tsx, ES modules).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempFolderForTests } from '../support/temp-folder';

const repo = path.resolve(__dirname, '../..');

/** The modules `steps` resolve, in a fresh Node: its output's lines, each "<step>: <module URL>". */
function modulesLoaded(dir: string, steps: string): string[] {
  const hook = path.join(dir, 'record-hook.mjs');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`,
  );
  const log = path.join(dir, 'resolved.txt');
  const main = path.join(dir, 'main.mjs');
  writeFileSync(
    main,
    `import { register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { register as tsx } from ${JSON.stringify(pathToFileURL(path.join(repo, 'node_modules/tsx/dist/esm/api/index.mjs')).href)};
tsx();
register(${JSON.stringify(pathToFileURL(hook).href)}, { data: { log: ${JSON.stringify(log)} } });
const repo = ${JSON.stringify(pathToFileURL(repo + '/').href)};
const out = [];
const mark = (step) => {
  const seen = readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n').filter(Boolean);
  writeFileSync(${JSON.stringify(log)}, '');
  for (const url of seen) out.push(step + ': ' + url);
};
writeFileSync(${JSON.stringify(log)}, '');
${steps}
process.stdout.write(out.join('\\n') + '\\n');
`,
  );
  return execFileSync(process.execPath, [main], { cwd: repo, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
    .split('\n')
    .filter(Boolean);
}

describe('the modules an engine loads as it starts', () => {
  const temp = tempFolderForTests('start-modules', () => ({}));

  it('leaves h5wasm (Keras .h5 weights, its HDF5 WebAssembly compiled as it loads) to the first weights request', () => {
    const lines = modulesLoaded(
      temp.dir,
      `await import(new URL('electron/engine/engine.ts', repo).href);
mark('start');
const weights = await import(new URL('models/weights/h5.ts', repo).href);
await weights.readKerasLayerShapes('/nonexistent/lumen-start-modules.h5').catch(() => undefined);
mark('weights');`,
    );
    const h5 = (step: string) => lines.filter((l) => l.startsWith(`${step}: `) && l.includes('/node_modules/h5wasm/'));
    // The engine's modules were recorded (the hook saw the start), and models/weights among them.
    expect(lines.some((l) => l.startsWith('start: ') && l.endsWith('/electron/engine/engine.ts'))).toBe(true);
    expect(lines.some((l) => l.startsWith('start: ') && l.endsWith('/models/weights/h5.ts'))).toBe(true);
    expect(h5('start')).toEqual([]);
    // The first request that reads a weights file loads it.
    expect(h5('weights').length).toBeGreaterThan(0);
  });

  it('leaves dcmjs-dimse (DICOM networking) to the first DIMSE request: a query, a retrieve, a send or the receiver', () => {
    const lines = modulesLoaded(
      temp.dir,
      `await import(new URL('electron/engine/engine.ts', repo).href);
mark('start');
const { DimseClient } = await import(new URL('electron/pacs/dimse.ts', repo).href);
mark('pacs');
const connection = { name: 'nowhere', kind: 'dimse', host: '127.0.0.1', port: 1, calledAet: 'NOWHERE', callingAet: 'LUMEN' };
await new DimseClient(connection, { timeoutMs: 2000 }).echo().catch(() => undefined);
mark('echo');`,
    );
    const dimse = (step: string) => lines.filter((l) => l.startsWith(`${step}: `) && l.includes('/node_modules/dcmjs-dimse/'));
    // The engine's PACS requests, and the modules of DIMSE and the receiver, were loaded at start.
    for (const module of ['/electron/engine/handlers/pacs.ts', '/electron/pacs/dimse.ts', '/electron/pacs/listen.ts', '/electron/pacs/cget-client.ts', '/electron/pacs/receive-bounds.ts']) {
      expect(lines.some((l) => l.startsWith('start: ') && l.endsWith(module)), module).toBe(true);
    }
    expect(dimse('start')).toEqual([]);
    expect(dimse('pacs')).toEqual([]);
    // The first association (a C-ECHO to a closed port) loads it.
    expect(dimse('echo').length).toBeGreaterThan(0);
  });

  it('starts the browser bridge (lumen serve) without TF.js: its path checks need only the package extension', () => {
    const lines = modulesLoaded(
      temp.dir,
      `await import(new URL('electron/serve/server.ts', repo).href);
mark('bridge');
await import(new URL('models/package/archive.ts', repo).href);
mark('packages');`,
    );
    const tf = (step: string) => lines.filter((l) => l.startsWith(`${step}: `) && l.includes('/node_modules/@tensorflow/'));
    expect(lines.some((l) => l.startsWith('bridge: ') && l.endsWith('/electron/engine/access.ts'))).toBe(true);
    expect(tf('bridge')).toEqual([]);
    // The package code itself does load it (the hook sees it).
    expect(tf('packages').length).toBeGreaterThan(0);
  });
});
