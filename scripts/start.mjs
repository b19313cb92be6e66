// `npm start`: build the renderer and the Node side, then launch Electron.
// Where the Electron binary is missing (it downloads on first launch and
// needs the internet), say so in one line and point to `npm run serve`.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { requireElectronNode } from './electron-node.mjs';

requireElectronNode('"npm start" (the desktop app)');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// Electron >= 42 fetches its binary on first use, inside require('electron');
// ask in a child process so its download noise stays out of the way.
const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { encoding: 'utf8' });
if (probe.status !== 0 || !probe.stdout) {
  console.error('Lumen: the Electron binary is not installed and could not be downloaded (it needs internet access on first launch); run "npm run serve" to use Lumen in a browser instead.');
  process.exit(1);
}
const electronPath = probe.stdout.trim();

// Electron's own build of SQLite (README "One native build per runtime"),
// made once; the system Node's build in node_modules is left alone.
const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const abi = require('node-abi').getAbi(electronVersion, 'electron');
if (!existsSync(`native/electron-abi${abi}-${process.platform}-${process.arch}/better_sqlite3.node`)) {
  run(process.execPath, ['scripts/native.mjs', '--electron']);
}

run('npm', ['run', 'build']);
const child = spawn(electronPath, ['.'], { stdio: ['inherit', 'inherit', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
  process.stderr.write(d);
});
child.on('error', (err) => {
  console.error(`Lumen: the Electron binary is not available (${err.message}). It downloads on first launch and needs internet access; on an offline machine run "npm run serve" and open the printed address in a browser.`);
  process.exit(1);
});
child.on('exit', (code) => {
  if (code !== 0 && /download|ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONNREFUSED/i.test(stderr)) {
    console.error('Lumen: the Electron binary could not be downloaded (no internet access?). Run "npm run serve" to use Lumen in a browser instead.');
  }
  process.exit(code ?? 1);
});
