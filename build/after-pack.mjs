// electron-builder's afterPack hook (build/electron-builder.yml): runs on each
// packaged app before it is signed and wrapped into an installer. It refuses an
// app without the Electron build of SQLite (it could not open its library), and
// flips the Electron fuses of build/fuses.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import fuses from '@electron/fuses';
import { fusesFor } from './fuses.mjs';

const require = createRequire(import.meta.url);

// electron-builder's Arch enum (builder-util), by number.
const ARCHES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** The Electron binary (for macOS the .app, which @electron/fuses looks into). */
export function electronBinary(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(context.appOutDir, `${name}.app`);
    case 'win32':
      return path.join(context.appOutDir, `${name}.exe`);
    default:
      return path.join(context.appOutDir, context.packager.executableName);
  }
}

function resourcesDir(context) {
  const name = context.packager.appInfo.productFilename;
  const mac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  return mac ? path.join(context.appOutDir, `${name}.app`, 'Contents', 'Resources') : path.join(context.appOutDir, 'resources');
}

function checkSqliteBuild(context, arch) {
  const version = require('electron/package.json').version;
  const abi = require('node-abi').getAbi(version, 'electron');
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const folder = `electron-abi${abi}-${platform}-${arch}`;
  const file = path.join(resourcesDir(context), 'app.asar.unpacked', 'native', folder, 'better_sqlite3.node');
  if (!existsSync(file)) {
    throw new Error(`The packaged app has no SQLite build for Electron ${version} (${folder}); it could not open its library. Run "npm run native -- --electron" on this machine (with internet access), then build again.`);
  }
}

export async function afterPack(context) {
  const arch = ARCHES[context.arch] ?? String(context.arch);
  checkSqliteBuild(context, arch);
  await fuses.flipFuses(electronBinary(context), fusesFor(context.electronPlatformName, arch));
}
export default afterPack;
