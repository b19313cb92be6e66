import pkg from '../package.json';

/** The app's version, from package.json: one source for the UI, the CLI and model provenance. */
export const APP_VERSION: string = pkg.version;
export const APP_NAME = 'Lumen';
