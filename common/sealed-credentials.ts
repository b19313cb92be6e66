import { z } from 'zod';

/**
 * The desktop app's PACS secrets, sealed with Electron's safeStorage, in the data folder. The main
 * process seals and reads them (electron/main/pacs-credentials.ts); the engine's and the CLI's
 * PacsStore (electron/pacs/connections.ts) moves and drops them, never unsealing them. The name
 * and the file's shape live here because neither side may import the other.
 */
export const SEALED_CREDENTIALS_FILE = 'pacs-credentials.sealed.json';

/**
 * The shape of SEALED_CREDENTIALS_FILE: each connection's name to its sealed secret, base64 (the
 * sealed bytes hold the secret alone, not the name). A file of another shape is read as holding none.
 */
export const SealedFile = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/=]*$/)) });
export type SealedFile = z.infer<typeof SealedFile>;
