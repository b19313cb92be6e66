import { CancelledError } from '../../common/cancel';

/**
 * What a user can change to get past a failure, as neutral data: `code` says which advice,
 * `setting` which setting it concerns, `value` what the advice names (an AE title, a query
 * field). The protocol layer never words it: the CLI names its flag (electron/cli/pacs-words.ts),
 * the app its Settings field (electron/engine/handlers/pacs-words.ts).
 */
export interface PacsHint {
  code: PacsHintCode;
  setting: PacsSetting;
  value?: string;
}

export type PacsSetting =
  | 'timeout'
  | 'callingAet'
  | 'retrieveMethod'
  | 'tls'
  | 'tlsClientCertificate'
  | 'credentials'
  | 'connection'
  | 'receiverPort'
  | 'receiverHost'
  | 'allowedSenders'
  | 'queryField'
  | 'studyUid'
  | 'maxStudies'
  | 'maxSeries';

export const PACS_HINT_CODES = [
  'allow-longer',
  'calling-aet-unknown',
  'retrieve-by-move',
  'retrieve-by-get',
  'client-certificate',
  'add-with-tls',
  'tls-only-if-tls',
  'enter-credentials',
  'correct-credentials',
  'credentials-not-in-url',
  'add-connection',
  'remove-connection-first',
  'port-in-use',
  'port-privileged',
  'host-not-local',
  'allow-sender',
  'query-field',
  'check-study-uid',
  'raise-cap',
] as const;
export type PacsHintCode = (typeof PACS_HINT_CODES)[number];

/**
 * A PACS failure a user can act on: what happened, with which connection, in neutral words
 * (`message`, a sentence ending in a full stop), and what to do as a `hint` each front end
 * words. Never a library's own words, never patient data.
 */
export class PacsError extends Error {
  /** `instance`: only this instance failed, a retrieve goes on; `connection`: nothing more can come from this PACS now. */
  constructor(
    message: string,
    readonly scope: 'instance' | 'connection' = 'connection',
    readonly hint?: PacsHint,
  ) {
    super(message);
    this.name = 'PacsError';
  }

  /** A PacsError, or a PACS request's cancel (PacsCancelledError), which stops a transfer as a connection failure does. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || (this === PacsError && value instanceof PacsCancelledError);
  }
}

/**
 * A PACS request stopped because its AbortSignal was aborted (Cancel in the app, Ctrl-C in the
 * CLI): a CancelledError (common/cancel.ts), so the job runner and the CLI tell it from a failure
 * by its class, never by its words. To the transfer code it is still a PacsError of scope
 * `connection` whose message is "cancelled" (`instanceof PacsError` holds, see above): a retrieve
 * stops on it with `stopped` "cancelled" and keeps what it filed, as it always did.
 */
export class PacsCancelledError extends CancelledError {
  readonly scope = 'connection' as const;
  readonly hint: PacsHint | undefined = undefined;
  constructor() {
    super('cancelled');
    this.name = 'PacsCancelledError';
  }
}

/**
 * A DICOMweb server's 401 or 403: credentials sent were refused (correct them), or none were sent
 * by a connection that has none (enter some: there is nothing to correct).
 */
export function credentialsRefused(name: string, status: number, what: string, sent: boolean): PacsError {
  return sent
    ? new PacsError(`PACS "${name}" refused the credentials (HTTP ${status}) when asked to ${what}: check the user name and password (or token).`, 'connection', { code: 'correct-credentials', setting: 'credentials', value: name })
    : new PacsError(`PACS "${name}" asks for credentials (HTTP ${status}) when asked to ${what}, and this connection has none.`, 'connection', { code: 'enter-credentials', setting: 'credentials', value: name });
}

/** The advice for a PACS that did not answer in time. */
export const TIMEOUT_HINT: PacsHint = { code: 'allow-longer', setting: 'timeout' };

/** A neutral message and its hint, worded by `words` (the CLI's or the app's): the hint's text, with its own joining punctuation, goes before the full stop. */
export function withHint(message: string, hint: PacsHint | undefined | null, words: (hint: PacsHint) => string): string {
  if (!hint) return message;
  const text = words(hint);
  return text ? `${message.replace(/\.$/, '')}${text}.` : message;
}

/** How long one request may wait for the PACS before it is given up, unless the caller says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * What a request asked a PACS to do, for `silentServer`: `test`, the connection test, whose words
 * are themselves an answer ("answer a test query"); `request`, anything else ("query studies").
 */
export type Asked = 'test' | 'request';

/**
 * A server that said nothing for `seconds`, in a person's words: for the connection test (`asked`
 * 'test') "did not answer a test query (C-ECHO) within 20 s", for any other request "did not
 * answer within 20 s when asked to query studies".
 */
export function silentServer(where: string, seconds: number, what: string, asked: Asked): string {
  const said = asked === 'test' ? `did not ${what} within ${seconds} s` : `did not answer within ${seconds} s when asked to ${what}`;
  return `${where} ${said}: check that the server is up.`;
}

/**
 * A host name the resolver could not turn into an address (`code`: getaddrinfo's ENOTFOUND, or
 * EAI_AGAIN when no name server answered), in a person's words with what to check; `field` is
 * where the user typed it ("the host name", "the host name in the base URL").
 */
export function hostNotFound(host: string, code: 'ENOTFOUND' | 'EAI_AGAIN', field: string): string {
  return code === 'EAI_AGAIN'
    ? `the host "${host}" could not be looked up: no name server answered. Check the network and ${field}, then try again.`
    : `the host "${host}" could not be found. Check ${field}.`;
}
