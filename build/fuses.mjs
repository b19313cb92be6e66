// The Electron fuses Lumen's installers are built with (build/after-pack.mjs
// flips them in the packaged binary, before signing). Fuses are switches
// compiled into the Electron binary; no command line or environment can turn
// them back. test/main/fuses.test.ts checks each one.
import fuses from '@electron/fuses';

const { FuseV1Options, FuseVersion } = fuses;

/**
 * @param {string} platform electron-builder's platform name: 'linux', 'win32', 'darwin' or 'mas'
 * @param {string} arch 'x64', 'arm64', …
 */
export function fusesFor(platform, arch) {
  // electron-builder embeds the archive's hash for Electron to check only on
  // macOS and Windows; on Linux Electron has no integrity check to turn on.
  const integrity = platform === 'darwin' || platform === 'mas' || platform === 'win32';
  return {
    version: FuseVersion.V1,
    // Flipping fuses breaks an Apple Silicon binary's ad-hoc signature; re-sign it.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    // The engine runs in a utility process: the binary never has to act as plain
    // Node, and ELECTRON_RUN_AS_NODE would otherwise turn the installed app into
    // a Node interpreter that anyone can hand a script.
    [FuseV1Options.RunAsNode]: false,
    // Cookies and local storage on disk encrypted with the OS keychain.
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS could preload code (--require) into the app.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    // --inspect and friends would attach a debugger to the main process.
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // app.asar must match the hash embedded at build time.
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: integrity,
    // Load the app only from app.asar, never from a resources/app folder put beside it.
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    // One V8 snapshot for every process: Lumen ships no browser-only snapshot.
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // The page comes from app://; file:// gets no extra powers.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}
