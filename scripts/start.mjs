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
  // node-gyp's progress (hundreds of lines over a few minutes) is kept back; shown only when
  // the build fails for another reason than a download.
  console.log(`Lumen: building SQLite for Electron ${electronVersion} (once; a few minutes)…`);
  const built = spawnSync(process.execPath, ['scripts/native.mjs', '--electron'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (built.status !== 0) {
    const output = `${built.stdout ?? ''}${built.stderr ?? ''}`;
    const offline = /network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo/.test(output);
    if (!offline) process.stderr.write(output);
    const why = offline ? "Electron's headers could not be downloaded" : built.error ? built.error.message : 'node-gyp failed; its output is above';
    console.error(`Lumen: SQLite could not be built for Electron ${electronVersion} (${why}). "npm start" needs it, and the first time internet access for Electron's headers; run "npm run serve" to use Lumen in a browser instead.`);
    process.exit(1);
  }
  const wrote = built.stdout.trim().split('\n').pop();
  if (wrote) console.log(`Lumen: ${wrote.replace(/^Wrote /, 'wrote ')}`);
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
