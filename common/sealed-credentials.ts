/**
 * The desktop app's PACS secrets, sealed with Electron's safeStorage, in the data folder. The main
 * process seals and reads them (electron/main/pacs-credentials.ts); the engine's and the CLI's
 * PacsStore (electron/pacs/connections.ts) moves and drops them, never unsealing them. The name
 * lives here because neither side may import the other.
 */
export const SEALED_CREDENTIALS_FILE = 'pacs-credentials.sealed.json';
