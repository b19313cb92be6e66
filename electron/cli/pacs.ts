import { isIP } from 'node:net';
import { errorMessage } from '../../common/errors';
import { isCancel } from '../../common/cancel';
import { FileReadError, readRegularText } from '../../common/node/read-file';
import { describeFsError } from '../dicom/fs-errors';
import { Library } from '../library/library';
import { defaultDataDir, defaultLibraryDir } from '../library/paths';
import { AeTitle, checkDicomWebUrl, type Credentials, type PacsConnection, PacsStore, parseDimseAddress } from '../pacs/connections';
import { DicomWebClient } from '../pacs/dicomweb';
import { DimseClient } from '../pacs/dimse';
import { PacsError } from '../pacs/errors';
import { type ReceiverTls, startReceiver } from '../pacs/listen';
import { checkQuery } from '../pacs/query';
import { DEFAULT_MOVE_PORT } from '../pacs/move';
import { readReceiverConfig, receiverTlsMode, writeReceiverConfig } from '../pacs/receiver-settings';
import { retrieveStudy } from '../pacs/retrieve';
import { receiveCountsPhrase, retrieveCountsPhrase } from '../../common/retrieve-summary';
import { sendFiles } from '../pacs/send';
import { QUERY_CAPS } from '../../common/contract/pacs';
import { CliError, type Command, decimalNumber, parseCommandArgs, printJson } from './command';
import { cliWords } from './pacs-words';
import { catchInterrupt, INTERRUPTED_EXIT, untilStopped } from './interrupt';
import { plainText } from '../../common/plain-text';
import { checkUserPath, UserPathError } from '../../common/node/user-path';

const USAGE = `lumen pacs add --name <n> --dicomweb <base-url> [--user U --password-stdin | --bearer-stdin] [--max-studies N] [--max-series N]
lumen pacs add --name <n> --dimse <AET>@<host>:<port> [--calling-aet LUMEN] [--tls [--tls-ca CA.pem] [--tls-cert CERT.pem --tls-key KEY.pem [--tls-move]]] [--max-studies N] [--max-series N]
lumen pacs edit <n> [the flags of add] [--no-auth] [--no-tls] [--max-studies N|default] [--max-series N|default] [--json]
lumen pacs list [--json]
lumen pacs remove <n>
lumen pacs query --pacs <n> [--patient-id ID] [--patient-name NAME] [--modality M] [--study-date YYYYMMDD-YYYYMMDD] [--accession A] [--description D] [--max-studies N] [--timeout S] [--json]
lumen pacs retrieve --pacs <n> <StudyInstanceUID> [--series UID] [--library DIR] [--via get|move] [--port 11112] [--host 0.0.0.0] [--timeout S] [--json]
lumen pacs send --pacs <n> <file-or-folder>... [--timeout S] [--json]
lumen pacs listen [--aet LUMEN] [--port 11112] [--host 0.0.0.0] [--library DIR] [--allow AET]... [--tls-cert CERT.pem --tls-key KEY.pem [--tls-ca CA.pem]]
lumen pacs receiver [--tls-cert CERT.pem --tls-key KEY.pem [--tls-ca CA.pem] | --no-tls] [--json]`;

const DEFAULT_CALLING_AET = 'LUMEN';
/** A secret read from standard input is at most this long (a token, not a file). */
const MAX_SECRET_BYTES = 64 * 1024;

async function readSecret(what: string, sub: 'add' | 'edit'): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`${what}: `);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_SECRET_BYTES) throw new CliError(`the ${what} on standard input is longer than ${MAX_SECRET_BYTES} bytes.`, 2);
    chunks.push(chunk);
  }
  const secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!secret) throw new CliError(`no ${what} on standard input: pipe it in, e.g. printf '%s' "$SECRET" | lumen pacs ${sub} ...`, 2);
  return secret;
}

function timeoutMs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = decimalNumber(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new CliError(`--timeout "${raw}" is not a number of seconds between 0 and 3600.`, 2);
  return seconds * 1000;
}

/** --max-studies, --max-series: a whole number from 1 to QUERY_CAPS.most (common/contract/pacs.ts says why that many). */
function capFlag(raw: string | undefined, flag: '--max-studies' | '--max-series'): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  const usual = flag === '--max-studies' ? QUERY_CAPS.studies : QUERY_CAPS.series;
  if (!Number.isInteger(n) || n < 1 || n > QUERY_CAPS.most) throw new CliError(`${flag} "${raw}" is not a whole number from 1 to ${QUERY_CAPS.most} (without it: ${usual}).`, 2);
  return n;
}

/** A connection's own caps, as pacs.json keeps them (absent: the defaults). */
function capsOf(c: PacsConnection): { maxStudies?: number; maxSeries?: number } {
  return { ...(c.maxStudies !== undefined ? { maxStudies: c.maxStudies } : {}), ...(c.maxSeries !== undefined ? { maxSeries: c.maxSeries } : {}) };
}

/** Retrieve and send: how many of how many, redrawn in place on a terminal. */
function countProgress(show: boolean, doing: string): ((done: number, total: number) => void) | undefined {
  return show ? (done, total) => process.stderr.write(`\r\x1b[2K${doing}… ${done}/${total}`) : undefined;
}

/** The exit status of a retrieve or send: 130 when Ctrl+C stopped it, 1 when it stopped early or anything failed. */
function transferExit(report: { stopped: string | null; failed: number }): number {
  return report.stopped === 'cancelled' ? INTERRUPTED_EXIT : report.stopped || report.failed > 0 ? 1 : 0;
}

/** DICOM TLS files for a connection: absolute paths of readable PEM files, checked now so that a typo is found at once. `kept`: the files an edit keeps (a certificate and its key still go together). */
function tlsOptions(ca: string | undefined, cert: string | undefined, key: string | undefined, kept?: { cert?: string; key?: string }): { ca?: string; cert?: string; key?: string } {
  if (!(cert ?? kept?.cert) !== !(key ?? kept?.key)) throw new CliError('--tls-cert and --tls-key go together (Lumen\'s certificate and its private key).', 2);
  const checked = (file: string | undefined, flag: string) => {
    if (file === undefined) return undefined;
    const full = checkUserPath(file, 'file', flag);
    let text: string;
    try {
      text = readRegularText(full, 'tls');
    } catch (err) {
      throw new CliError(`${flag} ${full}: ${err instanceof FileReadError ? err.reason : `cannot be read (${describeFsError(err)}).`}`, 2);
    }
    if (!text.includes('-----BEGIN ')) throw new CliError(`${flag} ${full} is not a PEM file (no "-----BEGIN" line).`, 2);
    return full;
  };
  const files = { ca: checked(ca, '--tls-ca'), cert: checked(cert, '--tls-cert'), key: checked(key, '--tls-key') };
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
}

/** What `list` shows of a connection: where it is and how it authenticates, never a secret. */
function describe(c: PacsConnection): Record<string, unknown> {
  return c.kind === 'dicomweb'
    ? { name: c.name, kind: c.kind, url: c.url, auth: c.auth, ...capsOf(c) }
    : { name: c.name, kind: c.kind, calledAet: c.calledAet, host: c.host, port: c.port, callingAet: c.callingAet, ...(c.tls ? { tls: c.tls } : {}), ...capsOf(c) };
}

/** The flags that say what a connection is: lumen pacs add takes them, lumen pacs edit too (with --no-auth and --no-tls). */
const CONNECTION_FLAGS = {
  name: { type: 'string' },
  dicomweb: { type: 'string' },
  dimse: { type: 'string' },
  'calling-aet': { type: 'string' },
  user: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'bearer-stdin': { type: 'boolean' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-move': { type: 'boolean' },
  'max-studies': { type: 'string' },
  'max-series': { type: 'string' },
  json: { type: 'boolean' },
} as const;
type ConnectionFlags = { [K in keyof typeof CONNECTION_FLAGS]?: (typeof CONNECTION_FLAGS)[K]['type'] extends 'string' ? string : boolean } & { 'no-auth'?: boolean; 'no-tls'?: boolean };

/** --max-studies / --max-series on edit: "default" goes back to the default (no cap of its own), absent keeps the connection's. */
function editedCap(raw: string | undefined, flag: '--max-studies' | '--max-series', before: number | undefined): number | undefined {
  if (raw === undefined) return before;
  if (raw === 'default') return undefined;
  return capFlag(raw, flag);
}

/**
 * The one check of a connection's flags, for add (`before` absent) and edit (`before`: the
 * connection as stored; what no flag names stays as it was). Returns the connection and which
 * secret to read from standard input: null reads none (edit: the stored one is kept if the
 * authentication stays the same, add: there is none).
 */
function connectionFromFlags(values: ConnectionFlags, before?: PacsConnection): { connection: PacsConnection; secret: 'password' | 'bearer' | null } {
  const name = values.name ?? before?.name;
  if (!name) throw new CliError('name the connection with --name.', 2);
  const caps = (() => {
    const maxStudies = before ? editedCap(values['max-studies'], '--max-studies', before.maxStudies) : capFlag(values['max-studies'], '--max-studies');
    const maxSeries = before ? editedCap(values['max-series'], '--max-series', before.maxSeries) : capFlag(values['max-series'], '--max-series');
    return { ...(maxStudies !== undefined ? { maxStudies } : {}), ...(maxSeries !== undefined ? { maxSeries } : {}) };
  })();
  if (values.dicomweb && values.dimse) throw new CliError('give exactly one of --dicomweb <base-url> or --dimse <AET>@<host>:<port>.', 2);
  const kind = values.dicomweb ? 'dicomweb' : values.dimse ? 'dimse' : before?.kind;
  if (!kind) throw new CliError('give exactly one of --dicomweb <base-url> or --dimse <AET>@<host>:<port>.', 2);
  // Edit: the stored connection's fields carry over only while it stays the same kind.
  const web = before?.kind === 'dicomweb' && kind === 'dicomweb' ? before : undefined;
  const dimse = before?.kind === 'dimse' && kind === 'dimse' ? before : undefined;
  const baseTls = dimse?.tls;
  const tlsFiles = values['tls-ca'] !== undefined || values['tls-cert'] !== undefined || values['tls-key'] !== undefined || values['tls-move'] === true;
  if (values['no-tls'] && (values.tls || tlsFiles)) throw new CliError('--no-tls turns DICOM TLS off: give it without --tls, --tls-ca, --tls-cert, --tls-key or --tls-move.', 2);
  if (tlsFiles && !values.tls && !baseTls) throw new CliError('--tls-ca, --tls-cert, --tls-key and --tls-move go with --tls.', 2);
  if ((values.tls || values['no-tls'] || tlsFiles) && kind !== 'dimse') throw new CliError('--tls is for a --dimse connection (a DICOMweb connection uses TLS when its URL starts with https://).', 2);
  const authFlags = values.user !== undefined || values['password-stdin'] || values['bearer-stdin'] || values['no-auth'];
  if (kind === 'dicomweb') {
    if (values['calling-aet'] !== undefined) throw new CliError('--calling-aet is for a --dimse connection.', 2);
    if (values['no-auth'] && (values.user !== undefined || values['password-stdin'] || values['bearer-stdin'])) throw new CliError('--no-auth removes the user, password or token: give it without --user, --password-stdin or --bearer-stdin.', 2);
    if (values['password-stdin'] && values['bearer-stdin']) throw new CliError('give --password-stdin or --bearer-stdin, not both.', 2);
    if (values['password-stdin'] && !values.user) throw new CliError('--password-stdin needs --user.', 2);
    if (values.user && !values['password-stdin']) throw new CliError('--user needs --password-stdin (the password is read from standard input, never from the command line).', 2);
    const url = values.dicomweb ? typed(() => checkDicomWebUrl(values.dicomweb!)) : web!.url;
    const auth = values.user ? 'basic' : values['bearer-stdin'] ? 'bearer' : values['no-auth'] ? 'none' : (web?.auth ?? 'none');
    return { connection: { name, kind, url, auth, ...caps }, secret: values.user ? 'password' : values['bearer-stdin'] ? 'bearer' : null };
  }
  if (authFlags) throw new CliError('a --dimse connection takes no user, password or token.', 2);
  const callingAet = values['calling-aet'] ?? dimse?.callingAet ?? DEFAULT_CALLING_AET;
  const checked = AeTitle.safeParse(callingAet);
  if (!checked.success) throw new CliError(`--calling-aet "${callingAet}" is not valid: ${checked.error.issues[0].message}.`, 2);
  const address = values.dimse ? typed(() => parseDimseAddress(values.dimse!)) : { calledAet: dimse!.calledAet, host: dimse!.host, port: dimse!.port };
  // --tls sets DICOM TLS from the files given (as add does); the files alone change those of a connection that uses it.
  const kept = values.tls ? undefined : baseTls;
  const given = tlsOptions(values['tls-ca'], values['tls-cert'], values['tls-key'], kept);
  const tls = values['no-tls'] || (!values.tls && !baseTls) ? undefined : { ...kept, ...given, ...(values['tls-move'] || kept?.move ? { move: true } : {}) };
  if (tls?.move && (tls.cert === undefined || tls.key === undefined)) throw new CliError("--tls-move needs --tls-cert and --tls-key: Lumen's receiver shows that certificate to the PACS.", 2);
  return { connection: { name, kind, ...address, callingAet, ...(tls ? { tls } : {}), ...caps }, secret: null };
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, CONNECTION_FLAGS);
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}".\n${USAGE}`, 2);
  const { connection, secret } = connectionFromFlags(values);
  checkName(connection.name);
  const credentials: Credentials | null = secret === 'password' ? { user: values.user!, password: await readSecret('password', 'add') } : secret === 'bearer' ? { bearer: await readSecret('bearer token', 'add') } : null;
  unlessTaken(() => new PacsStore(defaultDataDir()).add(connection, credentials));
  if (values.json) printJson(describe(connection));
  else process.stdout.write(`Added PACS connection "${connection.name}". Nothing was contacted; try it with lumen pacs query --pacs ${connection.name}.\n`);
  return 0;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new CliError(`--name "${name}" is not valid: 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`, 2);
}

/** What edit reports: each setting as the flag that sets it, and its value in words. */
function settingsOf(c: PacsConnection): Record<string, string> {
  const where: Record<string, string> = c.kind === 'dicomweb' ? { '--dicomweb': c.url, authentication: c.auth } : { '--dimse': `${c.calledAet}@${c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`, '--calling-aet': c.callingAet, '--tls': c.tls ? 'on' : 'off', '--tls-ca': c.tls?.ca ?? '-', '--tls-cert': c.tls?.cert ?? '-', '--tls-key': c.tls?.key ?? '-', '--tls-move': c.tls?.move ? 'on' : 'off' };
  return {
    '--name': c.name,
    ...where,
    '--max-studies': c.maxStudies !== undefined ? String(c.maxStudies) : `default (${QUERY_CAPS.studies})`,
    '--max-series': c.maxSeries !== undefined ? String(c.maxSeries) : `default (${QUERY_CAPS.series})`,
  };
}

async function edit(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...CONNECTION_FLAGS, 'no-auth': { type: 'boolean' }, 'no-tls': { type: 'boolean' } });
  if (positionals.length !== 1) throw new CliError(`name one connection to change: lumen pacs edit <name> [flags as for add].\n${USAGE}`, 2);
  const { json: asJson, ...given } = values;
  if (Object.keys(given).length === 0) throw new CliError(`say what to change, with the flags of lumen pacs add (--max-studies default goes back to the default).\n${USAGE}`, 2);
  const store = new PacsStore(defaultDataDir());
  const before = named(store, positionals[0]);
  const { connection, secret } = connectionFromFlags(values, before);
  if (values.name !== undefined) checkName(connection.name);
  // The stored secret stays while the connection authenticates as before; a new one only from standard input.
  const sameAuth = before.kind === 'dicomweb' && connection.kind === 'dicomweb' && before.auth === connection.auth;
  const credentials: Credentials | null | 'keep' = secret === 'password' ? { user: values.user!, password: await readSecret('password', 'edit') } : secret === 'bearer' ? { bearer: await readSecret('bearer token', 'edit') } : sameAuth ? 'keep' : null;
  const hadSecret = store.credentials(before.name) !== null;
  unlessTaken(() => store.replace(before.name, connection, credentials));
  const [from, to] = [settingsOf(before), settingsOf(connection)];
  const changed = [...new Set([...Object.keys(from), ...Object.keys(to)])].filter((k) => from[k] !== to[k]).map((k) => ({ setting: k, from: from[k] ?? '-', to: to[k] ?? '-' }));
  const secretWord = credentials === 'keep' ? null : credentials ? (hadSecret ? 'replaced' : 'stored') : hadSecret ? 'removed' : null;
  if (secretWord) changed.push({ setting: secret === 'bearer' || (credentials === null && before.kind === 'dicomweb' && before.auth === 'bearer') ? 'bearer token' : 'password', from: hadSecret ? 'stored' : '-', to: secretWord });
  if (asJson) printJson({ connection: describe(connection), changed });
  else {
    if (changed.length === 0) process.stdout.write(`PACS connection "${connection.name}" is unchanged: it was set so already.\n`);
    else process.stdout.write(`Changed PACS connection "${before.name}". Nothing was contacted.\n${changed.map((c) => `  ${c.setting}: ${c.from} → ${c.to}\n`).join('')}`);
  }
  return 0;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
  const connections = new PacsStore(defaultDataDir()).list();
  if (values.json) {
    printJson(connections.map(describe));
    return 0;
  }
  if (connections.length === 0) process.stdout.write('No PACS connections. Add one with lumen pacs add.\n');
  for (const c of connections) {
    const caps = [c.maxStudies !== undefined ? `at most ${c.maxStudies} studies` : '', c.maxSeries !== undefined ? `${c.maxSeries} series` : ''].filter(Boolean).join(', ');
    const where = c.kind === 'dicomweb' ? `DICOMweb ${c.url}${c.auth === 'none' ? '' : ` (${c.auth} authentication)`}` : `DIMSE ${c.calledAet}@${c.host}:${c.port} as ${c.callingAet}${c.tls ? ' over TLS' : ''}`;
    process.stdout.write(`${c.name}\t${where}${caps ? `; ${caps} per query` : ''}\n`);
  }
  return 0;
}

async function remove(argv: string[]): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {});
  if (positionals.length !== 1) throw new CliError('name one connection: lumen pacs remove <name>.', 2);
  const store = new PacsStore(defaultDataDir());
  const name = named(store, positionals[0]).name;
  const hadSecret = store.credentials(name) !== null;
  store.remove(name);
  process.stdout.write(`Removed PACS connection "${name}"${hadSecret ? ' and its stored credentials' : ''}.\n`);
  return 0;
}

/**
 * A check of what was typed on the command line: a PacsError from it is a usage mistake, exit 2 as
 * a mistyped option is (1 is kept for what failed: a PACS, a file, the network).
 */
function typed<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof PacsError) throw new CliError(cliWords(err.message, err.hint), 2);
    throw err;
  }
}

/** The stored connection `name`; a name that is none of them is a usage mistake (exit 2), a connections file that cannot be read is not. */
function named(store: PacsStore, name: string): PacsConnection {
  return store.list().some((c) => c.name === name) ? store.get(name) : typed(() => store.get(name));
}

/** Saves a connection: a name taken already is a usage mistake (exit 2), as a mistyped value is; a file that cannot be written is not. */
function unlessTaken(save: () => void): void {
  try {
    save();
  } catch (err) {
    if (err instanceof PacsError && err.hint?.code === 'remove-connection-first') throw new CliError(cliWords(err.message, err.hint), 2);
    throw err;
  }
}

function openConnection(name: string | undefined): { store: PacsStore; connection: PacsConnection; credentials: Credentials | null } {
  if (!name) throw new CliError('name the connection with --pacs <name> (lumen pacs list shows them).', 2);
  const store = new PacsStore(defaultDataDir());
  const connection = named(store, name);
  return { store, connection, credentials: connection.kind === 'dicomweb' ? store.credentials(name) : null };
}

async function query(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    pacs: { type: 'string' },
    'patient-id': { type: 'string' },
    'patient-name': { type: 'string' },
    modality: { type: 'string' },
    'study-date': { type: 'string' },
    accession: { type: 'string' },
    description: { type: 'string' },
    'max-studies': { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}".\n${USAGE}`, 2);
  const filters = typed(() =>
    checkQuery({
    patientId: values['patient-id'],
    patientName: values['patient-name'],
    modality: values.modality,
    studyDate: values['study-date'],
    accession: values.accession,
    description: values.description,
  }),
  );
  const maxStudies = capFlag(values['max-studies'], '--max-studies');
  const opened = openConnection(values.pacs);
  const { credentials } = opened;
  // --max-studies: this query only; the connection's own cap (lumen pacs add --max-studies) otherwise.
  const connection: PacsConnection = maxStudies !== undefined ? { ...opened.connection, maxStudies } : opened.connection;
  const options = { timeoutMs: timeoutMs(values.timeout) };
  const found = connection.kind === 'dicomweb' ? await new DicomWebClient(connection, credentials, options).searchStudies(filters) : await new DimseClient(connection, options).findStudies(filters);
  const studies = found.matches;
  studies.sort((a, b) => b.StudyDate.localeCompare(a.StudyDate) || a.StudyInstanceUID.localeCompare(b.StudyInstanceUID));
  // On stderr, so that the listing (and --json) stays what it was; said last, where it is seen.
  const incomplete = () => {
    if (found.incomplete) process.stderr.write(`lumen pacs query: ${cliWords(found.incomplete, found.incompleteHint)}\n`);
  };
  if (values.json) {
    printJson(studies);
    incomplete();
    return 0;
  }
  if (studies.length === 0) process.stdout.write(`No studies on "${connection.name}" match.\n`);
  for (const s of studies) {
    // The PACS's text as the files hold it: nothing in it may reorder or break the listing (common/plain-text.ts).
    process.stdout.write(plainText(`${s.StudyDate || '--------'}  ${s.ModalitiesInStudy.join('/') || '-'}  ${s.PatientID}  ${s.PatientName}  ${s.StudyDescription}  ${s.StudyInstanceUID}`) + '\n');
  }
  incomplete();
  return 0;
}

async function retrieve(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    pacs: { type: 'string' },
    series: { type: 'string' },
    library: { type: 'string' },
    via: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new CliError('name one study: lumen pacs retrieve --pacs <name> <StudyInstanceUID>.', 2);
  const { connection, credentials } = openConnection(values.pacs);
  const via = values.via;
  if (via !== undefined && via !== 'get' && via !== 'move') throw new CliError(`--via "${via}" is not a retrieve method: give get (C-GET) or move (C-MOVE).`, 2);
  if (via !== undefined && connection.kind !== 'dimse') throw new CliError(`--via is for a DIMSE connection; "${connection.name}" is DICOMweb (WADO-RS).`, 2);
  if ((values.port !== undefined || values.host !== undefined) && connection.kind !== 'dimse') throw new CliError('--port and --host are where C-MOVE delivers: they are for a DIMSE connection.', 2);
  const movePort = values.port === undefined ? DEFAULT_MOVE_PORT : decimalNumber(values.port);
  if (!Number.isInteger(movePort) || movePort < 1 || movePort > 65535) throw new CliError(`--port "${values.port}" is not a port number (1–65535).`, 2);
  const moveHost = values.host ?? '0.0.0.0';
  if (isIP(moveHost) === 0) throw new CliError(`--host "${moveHost}" is not an IP address (for example 127.0.0.1 for this computer only, or 0.0.0.0 for every interface).`, 2);
  const libraryDir = values.library !== undefined ? checkUserPath(values.library, 'output-folder', '--library') : defaultLibraryDir();
  const library = Library.open(libraryDir);
  const interrupt = catchInterrupt();
  const showProgress = !values.json && process.stderr.isTTY === true;
  try {
    const report = await retrieveStudy(connection, credentials, { studyUid: positionals[0], seriesUid: values.series }, library, {
      timeoutMs: timeoutMs(values.timeout),
      signal: interrupt.signal,
      onProgress: countProgress(showProgress, 'Retrieving'),
      via: via as 'get' | 'move' | undefined,
      receiver: { port: movePort, host: moveHost },
      // Instances an earlier receiver or retrieve left unimported in pacs/ (Lumen killed): filed first, said on stderr.
      onLeftovers: (line) => process.stderr.write(`lumen pacs retrieve: ${line}\n`),
    });
    // The protocol layer's advice in this command's words (its flags); --json keeps the neutral code too.
    report.stopped = report.stopped && cliWords(report.stopped, report.stoppedHint);
    if (showProgress) process.stderr.write('\r\x1b[2K');
    if (values.json) printJson(report);
    else {
      process.stdout.write(`${retrieveCountsPhrase(report)} in ${report.seconds} s; library ${report.library}.\n`);
      for (const e of report.errors) process.stdout.write(`  ${e.sopInstanceUid ?? '(instances)'}: ${e.reason}\n`);
      if (report.stopped) process.stdout.write(`Stopped: ${report.stopped}\nWhat arrived is kept; run the same command again to fetch the rest.\n`);
    }
    return transferExit(report);
  } finally {
    interrupt.release();
    library.close();
  }
}

async function listen(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    aet: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    library: { type: 'string' },
    allow: { type: 'string', multiple: true },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-ca': { type: 'string' },
  });
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}".\n${USAGE}`, 2);
  // DICOM TLS: the receiver's certificate and key; with --tls-ca, senders must show a client certificate that CA signed.
  const tlsWanted = values['tls-cert'] !== undefined || values['tls-key'] !== undefined || values['tls-ca'] !== undefined;
  if (tlsWanted && (values['tls-cert'] === undefined || values['tls-key'] === undefined)) throw new CliError('a TLS receiver needs --tls-cert and --tls-key (its certificate and private key); --tls-ca is optional.', 2);
  const tls = tlsWanted ? (tlsOptions(values['tls-ca'], values['tls-cert'], values['tls-key']) as ReceiverTls) : undefined;
  const aet = values.aet ?? DEFAULT_CALLING_AET;
  const checked = AeTitle.safeParse(aet);
  if (!checked.success) throw new CliError(`--aet "${aet}" is not valid: ${checked.error.issues[0].message}.`, 2);
  const port = values.port === undefined ? 11112 : decimalNumber(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--port "${values.port}" is not a port number (1–65535).`, 2);
  // Allowed senders: every --allow, and the AE title of each DIMSE connection (the archive sends back what it is asked for).
  const allowed = new Set<string>(values.allow ?? []);
  for (const a of allowed) {
    const ok = AeTitle.safeParse(a);
    if (!ok.success) throw new CliError(`--allow "${a}" is not a valid AE title: ${ok.error.issues[0].message}.`, 2);
  }
  for (const c of new PacsStore(defaultDataDir()).list()) if (c.kind === 'dimse') allowed.add(c.calledAet);
  if (allowed.size === 0) throw new CliError('no sender is allowed: name the calling AE titles that may send with --allow <AET> (or add a DIMSE connection).', 2);
  const libraryDir = values.library !== undefined ? checkUserPath(values.library, 'output-folder', '--library') : defaultLibraryDir();
  const library = Library.open(libraryDir);
  const host = values.host ?? '0.0.0.0';
  if (isIP(host) === 0) throw new CliError(`--host "${host}" is not an IP address (for example 127.0.0.1 for this computer only, or 0.0.0.0 for every interface).`, 2);
  const receiver = await startReceiver(library, { aet, port, host, allowed, tls, onEvent: (line, hint) => process.stderr.write(cliWords(line, hint) + '\n') });
  const security = tls ? (tls.ca ? ' over DICOM TLS (client certificates signed by --tls-ca required)' : ' over DICOM TLS') : '';
  process.stderr.write(`Listening as ${aet} on ${host === '0.0.0.0' ? 'every network interface' : host}, port ${port}${security}, filing into ${libraryDir}; allowed senders: ${[...allowed].join(', ')}. Ctrl+C stops.\n`);
  await untilStopped();
  await receiver.close();
  library.close();
  process.stderr.write(`Stopped: ${receiveCountsPhrase(receiver.counts())}.\n`);
  return 0;
}

/** The app's receiver (its switch in the PACS tab): DICOM TLS, which the page does not set (no certificate paths come from it). */
async function receiver(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-ca': { type: 'string' },
    'no-tls': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}".\n${USAGE}`, 2);
  const tlsGiven = values['tls-cert'] !== undefined || values['tls-key'] !== undefined || values['tls-ca'] !== undefined;
  if (tlsGiven && values['no-tls']) throw new CliError('give --tls-cert and --tls-key, or --no-tls, not both.', 2);
  if (tlsGiven && (values['tls-cert'] === undefined || values['tls-key'] === undefined)) throw new CliError('a TLS receiver needs --tls-cert and --tls-key (its certificate and private key); --tls-ca is optional.', 2);
  const dataDir = defaultDataDir();
  const config = readReceiverConfig(dataDir);
  if (tlsGiven || values['no-tls']) {
    const tls = tlsGiven ? (tlsOptions(values['tls-ca'], values['tls-cert'], values['tls-key']) as ReceiverTls) : undefined;
    writeReceiverConfig(dataDir, { settings: config.settings, ...(tls ? { tls } : {}) });
    config.tls = tls;
  }
  const mode = receiverTlsMode(config.tls);
  if (values.json) printJson({ ...config.settings, tls: config.tls ?? null });
  else {
    const s = config.settings;
    const how = mode === 'off' ? 'plain DICOM (no TLS)' : mode === 'on' ? 'DICOM TLS' : 'DICOM TLS, client certificates signed by the CA file required';
    process.stdout.write(`The app's receiver: ${s.aet} on port ${s.port}, ${s.host === '0.0.0.0' ? 'every network interface' : 'this computer only'}, ${how}. A running receiver uses a change when it is next switched on.\n`);
  }
  return 0;
}

async function send(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    pacs: { type: 'string' },
    timeout: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length === 0) throw new CliError('name the files or folders to send: lumen pacs send --pacs <name> <file-or-folder>...', 2);
  const { connection, credentials } = openConnection(values.pacs);
  const interrupt = catchInterrupt();
  const showProgress = !values.json && process.stderr.isTTY === true;
  try {
    const report = await sendFiles(connection, credentials, positionals, {
      timeoutMs: timeoutMs(values.timeout),
      signal: interrupt.signal,
      onProgress: countProgress(showProgress, 'Sending'),
    });
    report.stopped = report.stopped && cliWords(report.stopped, report.stoppedHint);
    if (showProgress) process.stderr.write('\r\x1b[2K');
    if (values.json) printJson(report);
    else {
      process.stdout.write(`${report.stored} stored, ${report.failed} failed, ${report.skipped} skipped (not DICOM objects) on "${report.pacs}" by ${report.protocol} in ${report.seconds} s.\n`);
      // A file the send stopped before is counted once, not given the stop's reason again: that is
      // said once, on "Stopped:" (--json still lists each with its reason).
      for (const f of report.files) if ((f.status !== 'stored' || f.reason) && !f.notSent) process.stdout.write(`  ${f.file}: ${f.status}${f.reason ? `: ${f.reason}` : ''}\n`);
      const notSent = report.files.filter((f) => f.notSent).length;
      if (notSent > 0) process.stdout.write(`  ${notSent} ${notSent === 1 ? 'file' : 'files'} not sent: the send stopped (below).\n`);
    }
    if (report.stopped) process.stderr.write(`Stopped: ${report.stopped}\n`);
    return transferExit(report);
  } finally {
    interrupt.release();
  }
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { add, edit, list, remove, query, retrieve, listen, receiver, send };

export const command: Command = {
  summary: "PACS connections (add, edit, list, remove), query (QIDO-RS or C-FIND), retrieve into the library (WADO-RS, C-GET or C-MOVE), send back (STOW-RS or C-STORE), and receive (listen: a C-STORE receiver; receiver: the app's receiver TLS).",
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const run = SUBCOMMANDS[sub];
    if (!run) throw new CliError(`unknown pacs command "${sub}".\n${USAGE}`, 2);
    try {
      return await run(rest);
    } catch (err) {
      if (isCancel(err)) throw new CliError('cancelled: nothing was fetched.', 130);
      if (err instanceof PacsError) throw new CliError(cliWords(err.message, err.hint));
      if (err instanceof CliError || err instanceof UserPathError) throw err;
      throw new CliError(`lumen pacs ${sub} failed: ${errorMessage(err)}`);
    }
  },
};
