// The Electron fuses of Lumen's installers (build/fuses.mjs), and the
// afterPack hook that flips them (build/after-pack.mjs), run on a stand-in
// binary that carries Electron's fuse wire the way the real one does.
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { fusesFor } = (await import('../../build/fuses.mjs' as string)) as { fusesFor: (platform: string, arch: string) => Record<string, unknown> };
const { afterPack } = (await import('../../build/after-pack.mjs' as string)) as { afterPack: (context: unknown) => Promise<void> };
const electronVersion = (require('electron/package.json') as { version: string }).version;
const electronAbi = (require('node-abi') as { getAbi: (v: string, r: string) => string }).getAbi(electronVersion, 'electron');

const fuseNames = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
const root = mkdtempSync(path.join(os.tmpdir(), 'lumen-fuses-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the fuse configuration', () => {
  it.each([['linux', 'x64'], ['win32', 'x64'], ['darwin', 'arm64'], ['darwin', 'x64']])('on %s %s sets every fuse explicitly, each the safe way', (platform, arch) => {
    const config = fusesFor(platform, arch);
    for (const name of fuseNames) expect(typeof config[FuseV1Options[name as keyof typeof FuseV1Options]], name).toBe('boolean');
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true);
    // electron-builder embeds the archive hash on macOS and Windows only.
    expect(config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(platform !== 'linux');
    expect(config.resetAdHocDarwinSignature).toBe(platform === 'darwin' && arch === 'arm64');
  });
});

/** A file laid out like an Electron binary around its fuse wire, with Electron's default states. */
function fakeElectron(file: string) {
  const defaults = { RunAsNode: 1, EnableCookieEncryption: 0, EnableNodeOptionsEnvironmentVariable: 1, EnableNodeCliInspectArguments: 1, EnableEmbeddedAsarIntegrityValidation: 0, OnlyLoadAppFromAsar: 0, LoadBrowserProcessSpecificV8Snapshot: 0, GrantFileProtocolExtraPrivileges: 1 };
  const wire = fuseNames.map((n) => (defaults[n as keyof typeof defaults] ? FuseState.ENABLE : FuseState.DISABLE));
  writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 0x90), Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, wire.length, ...wire]), Buffer.alloc(4096, 0x90)]));
}

function packedApp(name: string, withSqlite: boolean) {
  const appOutDir = path.join(root, name);
  mkdirSync(appOutDir, { recursive: true });
  fakeElectron(path.join(appOutDir, 'lumen'));
  if (withSqlite) {
    const native = path.join(appOutDir, 'resources/app.asar.unpacked/native', `electron-abi${electronAbi}-linux-x64`);
    mkdirSync(native, { recursive: true });
    writeFileSync(path.join(native, 'better_sqlite3.node'), 'stand-in');
  }
  return { appOutDir, electronPlatformName: 'linux', arch: 1, packager: { appInfo: { productFilename: 'Lumen' }, executableName: 'lumen' } };
}

describe('the afterPack hook', () => {
  it('flips the fuses of the packaged binary to the configuration, nothing else', async () => {
    const context = packedApp('ok', true);
    const before = readFileSync(path.join(context.appOutDir, 'lumen'));
    await afterPack(context);
    const wire = (await getCurrentFuseWire(path.join(context.appOutDir, 'lumen'))) as unknown as Record<number, number>;
    const config = fusesFor('linux', 'x64');
    for (const name of fuseNames) {
      const index = FuseV1Options[name as keyof typeof FuseV1Options];
      expect(wire[index], name).toBe(config[index] ? FuseState.ENABLE : FuseState.DISABLE);
    }
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    const after = readFileSync(path.join(context.appOutDir, 'lumen'));
    const at = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.subarray(0, at)).toEqual(before.subarray(0, at));
    expect(after.subarray(at + fuseNames.length)).toEqual(before.subarray(at + fuseNames.length));
  });

  it('refuses an app without the Electron build of SQLite, naming the command', async () => {
    const context = packedApp('no-sqlite', false);
    await expect(afterPack(context)).rejects.toThrow(/no SQLite build for Electron .*npm run native -- --electron/);
  });
});
