/**
 * PACS secrets in the desktop app: kept encrypted with Electron's safeStorage
 * (the OS keychain, DPAPI or the Secret Service) in pacs-credentials.sealed.json,
 * never in the engine's plain 0600 pacs-credentials.json (which the CLI and the
 * browser bridge use). The main process takes a secret out of `pacs.save` before
 * the request goes to the engine, seals it once the engine has saved the
 * connection, and puts it back into the requests that contact that PACS. The
 * renderer only ever learns whether a secret is saved. The sealed bytes hold the secret alone,
 * not the connection's name: the engine's and the CLI's PacsStore (electron/pacs/connections.ts)
 * move an entry under a connection's new name, and drop it with a replaced secret, without
 * unsealing it.
 *
 * No `electron` import here: main.ts passes Electron's safeStorage, tests a fake
 * of the same shape.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PacsConnectionInfo, PacsSecret, pacsRequests } from '../../common/contract/pacs';
import type { Reply } from '../../common/rpc';
import { SEALED_CREDENTIALS_FILE, SealedFile } from '../../common/sealed-credentials';
import { readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';

/** The part of Electron's safeStorage this uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export class SealedSecrets {
  constructor(
    private readonly dataDir: string,
    private readonly safeStorage: SafeStorageLike,
  ) {}

  get file(): string {
    return path.join(this.dataDir, SEALED_CREDENTIALS_FILE);
  }

  /** False where the system offers no protected storage: secrets then stay with the engine, in its 0600 file. */
  available(): boolean {
    try {
      return this.safeStorage.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  get(name: string): PacsSecret | null {
    const sealed = this.read()[name];
    if (!sealed) return null;
    try {
      const parsed = PacsSecret.safeParse(JSON.parse(this.safeStorage.decryptString(Buffer.from(sealed, 'base64'))));
      return parsed.success ? parsed.data : null;
    } catch {
      // Sealed under another key (a new keychain, another user): as if none were saved.
      return null;
    }
  }

  set(name: string, secret: PacsSecret | null): void {
    const all = this.read();
    if (secret) all[name] = this.safeStorage.encryptString(JSON.stringify(secret)).toString('base64');
    else if (name in all) delete all[name];
    else return;
    ensurePrivateDir(this.dataDir);
    writeFileAtomic(this.file, JSON.stringify({ version: 1, secrets: all } satisfies SealedFile, null, 2) + '\n');
  }

  private read(): Record<string, string> {
    if (!fs.existsSync(this.file)) return {};
    try {
      const parsed = SealedFile.safeParse(JSON.parse(readRegularText(this.file, 'json')));
      return parsed.success ? { ...parsed.data.secrets } : {};
    } catch {
      return {};
    }
  }
}

/** Requests that contact a PACS: the main process puts the sealed secret of the named connection into them. */
const CONTACTS = new Set(['pacs.test', 'pacs.query', 'pacs.series', 'pacs.retrieve', 'pacs.send']);
const LISTS = new Set(['pacs.list', 'pacs.save', 'pacs.remove']);

/**
 * Routes one request to the engine with its secrets handled: `forward` sends an input to the
 * engine. Requests other than pacs.* pass through untouched, as does everything while the
 * system has no protected storage.
 */
export async function withSealedSecrets(secrets: SealedSecrets, method: unknown, input: unknown, forward: (input: unknown) => Promise<Reply>): Promise<Reply> {
  if (typeof method !== 'string' || !method.startsWith('pacs.') || !secrets.available()) return forward(input);
  let after: (() => void) | null = null;
  let sent = input;
  if (method === 'pacs.save') {
    const parsed = pacsRequests['pacs.save'].input.safeParse(input);
    if (parsed.success) {
      const { connection, secret, previousName } = parsed.data;
      const { secret: _taken, ...rest } = parsed.data;
      // The engine is told to drop its own copy when the secret goes away, else to keep what it has.
      sent = secret === null ? { ...rest, secret: null } : rest;
      // Read before the engine saves: its store moves a kept sealed secret along with a renamed connection.
      const kept = previousName !== undefined ? secrets.get(previousName) : null;
      after = () => {
        const candidate = secret === undefined ? kept : secret;
        // Kept only for the authentication it is made for (a password is no bearer token).
        const fits = connection.kind === 'dicomweb' && candidate !== null && (connection.auth === 'basic' ? 'user' in candidate : connection.auth === 'bearer' && 'bearer' in candidate);
        const wanted = fits ? candidate : null;
        // The new name's secret first: whenever this stops, the connection's secret is under its name.
        secrets.set(connection.name, wanted);
        if (previousName !== undefined && previousName !== connection.name) secrets.set(previousName, null);
      };
    }
  } else if (method === 'pacs.remove') {
    const parsed = pacsRequests['pacs.remove'].input.safeParse(input);
    if (parsed.success) after = () => secrets.set(parsed.data.name, null);
  } else if (CONTACTS.has(method) && input && typeof input === 'object' && !Array.isArray(input)) {
    // Whatever the page put there is replaced: only the main process knows the secret.
    const { credentials: _ignored, ...rest } = input as Record<string, unknown>;
    const name = typeof rest.name === 'string' ? rest.name : null;
    const secret = name ? secrets.get(name) : null;
    sent = secret ? { ...rest, credentials: secret } : rest;
  }
  const reply = await forward(sent);
  if (!reply.ok) return reply;
  after?.();
  return LISTS.has(method) ? { ...reply, value: markSaved(secrets, reply.value) } : reply;
}

/** A connection list as the page sees it: "saved" where the sealed store holds the secret. */
function markSaved(secrets: SealedSecrets, value: unknown): unknown {
  const parsed = z.object({ connections: z.array(PacsConnectionInfo) }).safeParse(value);
  if (!parsed.success) return value;
  return {
    connections: parsed.data.connections.map((c) => {
      if (c.kind !== 'dicomweb' || c.auth === 'none' || c.secret === 'saved') return c;
      const secret = secrets.get(c.name);
      return secret ? { ...c, secret: 'saved' as const, user: 'user' in secret ? secret.user : null } : c;
    }),
  };
}
