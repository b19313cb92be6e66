// Electron 45 declares Node >= 22.12 for the tools that install and launch it
// (its package's "engines"): `npm start`, `npm run native -- --electron` and
// `npm run dist` check it here and say so plainly. The lumen command, `npm run
// serve` and the tests need only the Node of package.json's "engines".
export const ELECTRON_NODE = '22.12';

export function requireElectronNode(what) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const [needMajor, needMinor] = ELECTRON_NODE.split('.').map(Number);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return;
  console.error(
    `Lumen: ${what} needs Node ${ELECTRON_NODE} or later (what Electron 45 requires); this is Node ${process.versions.node}. ` +
      'Install Node 24 LTS (the Node inside Electron 45) and run it again. The lumen command and "npm run serve" work on this Node.',
  );
  process.exit(1);
}
