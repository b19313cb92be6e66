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
    this.writeCredentials(checked.name, credentials);
    writeFileAtomic(this.connectionsFile, JSON.stringify({ version: 1, connections: [...connections, checked] }, null, 2) + '\n');
  }

  /**
   * Changes the connection named `previousName` to `connection` (its name may change too), in
   * place in the list. `credentials`: 'keep' keeps the stored secret (under the new name), null
   * removes it. Secrets are written first and the stale ones dropped last, so that a connection
   * never exists without the credentials it says it has, whenever this stops.
   */
  replace(previousName: string, connection: PacsConnection, credentials: Credentials | null | 'keep'): void {
    const checked = PacsConnection.parse(connection);
    const connections = this.list();
    const at = connections.findIndex((c) => c.name === previousName);
    if (at < 0) this.get(previousName);
    if (checked.name !== previousName && connections.some((c) => c.name === checked.name)) throw new PacsError(`a PACS connection named "${checked.name}" exists already.`, 'connection', { code: 'remove-connection-first', setting: 'connection', value: checked.name });
    const secret = credentials === 'keep' ? this.credentials(previousName) : credentials;
    ensurePrivateDir(this.dataDir);
    this.writeCredentials(checked.name, secret);
    writeFileAtomic(this.connectionsFile, JSON.stringify({ version: 1, connections: connections.map((c, i) => (i === at ? checked : c)) }, null, 2) + '\n');
    if (checked.name !== previousName) this.writeCredentials(previousName, null);
  }

  remove(name: string): void {
    const connections = this.list();
    if (!connections.some((c) => c.name === name)) this.get(name);
    writeFileAtomic(this.connectionsFile, JSON.stringify({ version: 1, connections: connections.filter((c) => c.name !== name) }, null, 2) + '\n');
    this.writeCredentials(name, null);
  }

  private writeCredentials(name: string, credentials: Credentials | null): void {
    const all = { ...(this.readChecked(this.credentialsFile, CredentialsFile, 'PACS credentials')?.credentials ?? {}) };
    if (credentials) all[name] = credentials;
    else if (name in all) delete all[name];
    else return;
    writeFileAtomic(this.credentialsFile, JSON.stringify({ version: 1, credentials: all }, null, 2) + '\n');
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
