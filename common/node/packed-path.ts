/**
 * Paths inside an installed app. electron-builder packs the app into
 * resources/app.asar and moves what the configuration's asarUnpack lists
 * (native addons, WASM, worker scripts) beside it into app.asar.unpacked:
 * the operating system's loader and a worker thread cannot read inside the
 * archive. Outside an installed app a path is returned unchanged.
 */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
