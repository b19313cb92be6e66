/**
 * PACS connections: where a PACS is and how to reach it, kept in the data
 * folder as pacs.json (0600), checked with zod on every load. Secrets
 * (password, bearer token) live apart in pacs-credentials.json (0600, for the
 * CLI and the browser bridge; the desktop app keeps them encrypted with Electron's safeStorage,
 * electron/main/pacs-credentials.ts), so that listing or
 * sharing pacs.json never shows one. Nothing here opens a connection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { QueryCap } from '../../common/contract/pacs';
import { errorMessage } from '../../common/errors';
import { SEALED_CREDENTIALS_FILE, SealedFile } from '../../common/sealed-credentials';
import { describeFsError } from '../../common/node/fs-errors';
import { readRegularText } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import { PacsError } from './errors';

export const CONNECTIONS_FILE = 'pacs.json';
export const CREDENTIALS_FILE = 'pacs-credentials.json';

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name is 1–64 letters, digits, dots, dashes or underscores');
/** An AE title: 1–16 characters of the default repertoire, no backslash, not only spaces (PS3.5 AE). */
export const AeTitle = z
  .string()
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'an AE title is 1–16 printable ASCII characters without a backslash')
  .refine((s) => s.trim().length > 0 && s === s.trim(), 'an AE title has no leading or trailing spaces');

/** How many studies one query lists and series one study (absent: QUERY_CAPS in common/contract/pacs.ts). */
const Caps = { maxStudies: QueryCap.optional(), maxSeries: QueryCap.optional() };

const DicomWebConnection = z.object({
  name: Name,
  kind: z.literal('dicomweb'),
  url: z.string().url(),
  auth: z.enum(['none', 'basic', 'bearer']),
  ...Caps,
});
const DimseConnection = z.object({
  name: Name,
  kind: z.literal('dimse'),
  calledAet: AeTitle,
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  callingAet: AeTitle,
  ...Caps,
  /** DICOM TLS (PS3.15 B.1): the CA file that signs the PACS's certificate (else the system's trusted CAs), and Lumen's own certificate and key when the PACS asks for one. Absolute paths. */
  tls: z
    .object({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      /** C-MOVE transfers arrive over TLS too: the PACS is set to send to Lumen with DICOM TLS; Lumen's receiver shows `cert` and asks the PACS for one signed by `ca`. */
      move: z.boolean().optional(),
    })
    .strict()
    .refine((t) => !t.cert === !t.key, 'a certificate and its key go together')
    .refine((t) => !t.move || (t.cert && t.key), 'C-MOVE over TLS needs a certificate and its key (the receiver shows them)')
    .optional(),
});
export const PacsConnection = z.discriminatedUnion('kind', [DicomWebConnection, DimseConnection]);
export type PacsConnection = z.infer<typeof PacsConnection>;
export type DicomWebConnection = z.infer<typeof DicomWebConnection>;
export type DimseConnection = z.infer<typeof DimseConnection>;

const ConnectionsFile = z.object({ version: z.literal(1), connections: z.array(PacsConnection) });

export const Credentials = z.union([
  z.object({ user: z.string().min(1), password: z.string() }).strict(),
  z.object({ bearer: z.string().min(1) }).strict(),
]);
export type Credentials = z.infer<typeof Credentials>;
const CredentialsFile = z.object({ version: z.literal(1), credentials: z.record(Name, Credentials) });

/** Checks a DICOMweb base URL: http or https, no user name or password in it, no query or fragment. */
export function checkDicomWebUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PacsError(`"${raw}" is not a URL: give the DICOMweb base URL, e.g. https://pacs.example.org/dicom-web.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PacsError(`a DICOMweb URL starts with http:// or https://, not ${url.protocol}//.`);
  if (url.username || url.password) throw new PacsError('put no user name or password in the URL.', 'connection', { code: 'credentials-not-in-url', setting: 'credentials' });
  if (url.search || url.hash) throw new PacsError('a DICOMweb base URL has no query (?) or fragment (#).');
  return url.toString().replace(/\/+$/, '');
}

/** Parses `AET@host:port` (the DIMSE peer to call). */
export function parseDimseAddress(raw: string): { calledAet: string; host: string; port: number } {
  const match = /^(.+)@([^@:\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  if (!match) throw new PacsError(`"${raw}" is not a DIMSE address: write AET@host:port, e.g. ORTHANC@pacs.example.org:4242.`);
  const aet = AeTitle.safeParse(match[1]);
  if (!aet.success) throw new PacsError(`the called AE title "${match[1]}" is not valid: ${aet.error.issues[0].message}.`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new PacsError(`port ${port} is out of range (1–65535).`);
  return { calledAet: aet.data, host: match[2].replace(/^\[|\]$/g, ''), port };
}

/** The connections and secrets of one data folder. */
export class PacsStore {
  constructor(readonly dataDir: string) {}

  private get connectionsFile(): string {
    return path.join(this.dataDir, CONNECTIONS_FILE);
  }

  private get credentialsFile(): string {
    return path.join(this.dataDir, CREDENTIALS_FILE);
  }

  list(): PacsConnection[] {
    return this.readChecked(this.connectionsFile, ConnectionsFile, 'PACS connections')?.connections ?? [];
  }

  get(name: string): PacsConnection {
    const found = this.list().find((c) => c.name === name);
    if (!found) {
      const names = this.list().map((c) => c.name);
      throw new PacsError(`no PACS connection named "${name}"${names.length ? ` (there are: ${names.join(', ')})` : ''}.`, 'connection', { code: 'add-connection', setting: 'connection' });
    }
    return found;
  }

  credentials(name: string): Credentials | null {
    return this.readChecked(this.credentialsFile, CredentialsFile, 'PACS credentials')?.credentials[name] ?? null;
  }

  add(connection: PacsConnection, credentials: Credentials | null): void {
    const checked = PacsConnection.parse(connection);
    const connections = this.list();
    if (connections.some((c) => c.name === checked.name)) throw new PacsError(`a PACS connection named "${checked.name}" exists already.`, 'connection', { code: 'remove-connection-first', setting: 'connection', value: checked.name });
    ensurePrivateDir(this.dataDir);
    // Secrets first: a connection never exists without the credentials it says it has.
    const undo = this.writeCredentials(checked.name, credentials);
    this.writeConnections(connections, [...connections, checked], undo);
    // A secret the app sealed under this name before (an older lumen pacs remove left it) is not this connection's.
    this.dropSealed([checked.name], `PACS connection "${checked.name}" was added`);
  }

  /**
   * Changes the connection named `previousName` to `connection` (its name may change too), in
   * place in the list. `credentials`: 'keep' keeps the stored secret (under the new name, in
   * this file and in the app's sealed one), null removes it. Secrets are written first and the
   * stale ones dropped last, so that a connection never exists without the credentials it says
   * it has, whenever this stops; when the list cannot be written, the secrets written for it are
   * put back and both files are as they were.
   */
  replace(previousName: string, connection: PacsConnection, credentials: Credentials | null | 'keep'): void {
    const checked = PacsConnection.parse(connection);
    const connections = this.list();
    const at = connections.findIndex((c) => c.name === previousName);
    if (at < 0) this.get(previousName);
    if (checked.name !== previousName && connections.some((c) => c.name === checked.name)) throw new PacsError(`a PACS connection named "${checked.name}" exists already.`, 'connection', { code: 'remove-connection-first', setting: 'connection', value: checked.name });
    const secret = credentials === 'keep' ? this.credentials(previousName) : credentials;
    const renamed = checked.name !== previousName;
    ensurePrivateDir(this.dataDir);
    const undoSecret = this.writeCredentials(checked.name, secret);
    // The app's sealed secret (never unsealed here) follows a kept secret: copied under the new name first, like this file's.
    let undoSealed: (() => void) | null = null;
    try {
      if (credentials === 'keep' && renamed) undoSealed = this.copySealed(previousName, checked.name);
    } catch (err) {
      undoSecret?.();
      throw err;
    }
    this.writeConnections(connections, connections.map((c, i) => (i === at ? checked : c)), () => {
      undoSealed?.();
      undoSecret?.();
    });
    const changed = `PACS connection "${checked.name}" was saved`;
    if (renamed) this.writeCredentials(previousName, null, changed);
    // A replaced or removed secret takes the app's sealed one with it; a rename leaves none under the old name.
    this.dropSealed(credentials === 'keep' ? (renamed ? [previousName] : []) : [previousName, checked.name], changed);
  }

  remove(name: string): void {
    const connections = this.list();
    if (!connections.some((c) => c.name === name)) this.get(name);
    this.writeConnections(connections, connections.filter((c) => c.name !== name), null);
    const removed = `PACS connection "${name}" was removed`;
    this.writeCredentials(name, null, removed);
    this.dropSealed([name], removed);
  }

  /** Writes pacs.json; when that fails, `undo` puts back the secrets written for it, and the error says whether all is as it was. */
  private writeConnections(before: PacsConnection[], after: PacsConnection[], undo: (() => void) | null): void {
    if (JSON.stringify(before) === JSON.stringify(after) && fs.existsSync(this.connectionsFile)) return;
    try {
      writeFileAtomic(this.connectionsFile, JSON.stringify({ version: 1, connections: after }, null, 2) + '\n');
    } catch (err) {
      let undone = true;
      try {
        undo?.();
      } catch {
        undone = false;
      }
      throw new PacsError(`the PACS connections file ${this.connectionsFile} cannot be written: ${describeFsError(err)}. ${undone ? 'No connection or secret was changed.' : `No connection was changed; ${this.credentialsFile} may hold its secret under the new name too.`}`);
    }
  }

  /**
   * Sets or drops one secret; returns how to put the file back (null when nothing was written).
   * `done`: what was changed already when this fails (else nothing was).
   */
  private writeCredentials(name: string, credentials: Credentials | null, done?: string): (() => void) | null {
    const stored = this.readChecked(this.credentialsFile, CredentialsFile, 'PACS credentials')?.credentials ?? {};
    const all = { ...stored };
    if (credentials) all[name] = credentials;
    else if (name in all) delete all[name];
    else return null;
    if (JSON.stringify(all) === JSON.stringify(stored)) return null;
    this.writeSecrets(this.credentialsFile, { version: 1, credentials: all }, 'PACS credentials', done);
    return () => writeFileAtomic(this.credentialsFile, JSON.stringify({ version: 1, credentials: stored }, null, 2) + '\n');
  }

  private get sealedFile(): string {
    return path.join(this.dataDir, SEALED_CREDENTIALS_FILE);
  }

  /** The app's sealed secrets as stored (base64), or null where there are none or the file cannot be read (then it is left alone). */
  private readSealed(): Record<string, string> | null {
    if (!fs.existsSync(this.sealedFile)) return null;
    try {
      const parsed = SealedFile.safeParse(JSON.parse(readRegularText(this.sealedFile, 'json')));
      return parsed.success ? { ...parsed.data.secrets } : null;
    } catch {
      return null;
    }
  }

  /** Copies the app's sealed secret of `from` to `to` as it is (safeStorage seals the secret alone, not its name); returns how to undo it. */
  private copySealed(from: string, to: string): (() => void) | null {
    const secrets = this.readSealed();
    if (!secrets || secrets[from] === undefined) return null;
    const before = { ...secrets };
    secrets[to] = secrets[from];
    this.writeSecrets(this.sealedFile, { version: 1, secrets } satisfies SealedFile, 'sealed PACS credentials');
    return () => writeFileAtomic(this.sealedFile, JSON.stringify({ version: 1, secrets: before } satisfies SealedFile, null, 2) + '\n');
  }

  /** Drops the app's sealed secrets of these names; `done` says what was changed already. */
  private dropSealed(names: string[], done: string): void {
    const secrets = this.readSealed();
    if (!secrets || !names.some((n) => n in secrets)) return;
    for (const name of names) delete secrets[name];
    this.writeSecrets(this.sealedFile, { version: 1, secrets } satisfies SealedFile, 'sealed PACS credentials', done);
  }

  private writeSecrets(file: string, content: unknown, what: string, done?: string): void {
    try {
      writeFileAtomic(file, JSON.stringify(content, null, 2) + '\n');
    } catch (err) {
      throw new PacsError(`the ${what} file ${file} cannot be written: ${describeFsError(err)}. ${done ? `${done}, but that file still holds the old secret: free some room and save the connection again.` : 'No connection was changed.'}`);
    }
  }

  private readChecked<T>(file: string, schema: z.ZodType<T>, what: string): T | null {
    if (!fs.existsSync(file)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(readRegularText(file, 'json'));
    } catch (err) {
      throw new PacsError(`the ${what} file ${file} cannot be read: ${errorMessage(err)}. Fix or remove it.`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PacsError(`the ${what} file ${file} is not valid (${issue.path.join('.') || 'top level'}: ${issue.message}). Fix or remove it.`);
    }
    return parsed.data;
  }
}
