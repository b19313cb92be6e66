/**
 * DICOMweb (QIDO-RS, WADO-RS) over Node's fetch, with the request shapes of
 * dicomweb-client (what OHIF uses): dicomweb-client is built on
 * XMLHttpRequest, which Node does not have, and a polyfill would add a
 * dependency and still give no time-outs or size limits; fetch gives both.
 */
import type { Credentials, DicomWebConnection } from './connections';
import { type Asked, credentialsRefused, DEFAULT_TIMEOUT_MS, hostNotFound, PacsCancelledError, PacsError, silentServer, TIMEOUT_HINT } from './errors';
import type { Found, InstanceRef, StudyMatch, StudyQuery } from './query';
import { TooManyInstances, cutShort, matchLimit, moreThanShown, queryKeys, raiseCapHint, studyFromJson, tooManyMatches } from './query';
import { JsonArraySplitter } from './json-array-stream';
import { MAX_IDENTIFIER_BYTES } from './message-bounds';
import { DicomPartSplitter } from './multipart-stream';
import { type SeriesMatch, seriesFromJson } from './series';

/** A QIDO-RS answer is read no further than this (a hostile or broken server); one match at most MAX_IDENTIFIER_BYTES. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** One instance from WADO-RS: Node's largest single buffer. */
const MAX_INSTANCE_BYTES = 2 * 1024 * 1024 * 1024 - 1;

export interface DicomWebOptions {
  timeoutMs?: number;
}

export class DicomWebClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly connection: DicomWebConnection,
    private readonly credentials: Credentials | null,
    options: DicomWebOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (connection.auth !== 'none' && !credentials) {
      throw new PacsError(`PACS "${connection.name}" needs credentials and none are stored.`, 'connection', { code: 'enter-credentials', setting: 'credentials' });
    }
  }

  /** QIDO-RS: GET {base}/studies?... (`limit`: a PACS that honours it sends one more than Lumen shows, which says there are more). */
  async searchStudies(query: StudyQuery): Promise<Found<StudyMatch>> {
    const params = new URLSearchParams();
    for (const [keyword, value] of Object.entries(queryKeys(query))) if (value !== '') params.set(keyword, value);
    for (const field of ['StudyDescription', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances']) params.append('includefield', field);
    params.set('limit', String(matchLimit(this.connection, 'studies') + 1));
    return this.search(`/studies?${params}`, 'query studies', 'studies', studyFromJson);
  }

  /** QIDO-RS: the instances of a study (or one series of it), with their series. */
  async searchInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]> {
    const route = seriesUid ? `/studies/${studyUid}/series/${seriesUid}/instances` : `/studies/${studyUid}/instances`;
    const found = await this.search(
      route,
      'list the instances of the study',
      'instances',
      (item): InstanceRef | null => {
        const sop = firstString(item, '00080018');
        const series = firstString(item, '0020000E') ?? seriesUid;
        return sop && series ? { sopInstanceUid: sop, seriesInstanceUid: series } : null;
      },
      signal,
    );
    return found.matches;
  }

  /** QIDO-RS: the series of one study (the app's PACS tab lists them). */
  async searchSeries(studyUid: string, signal?: AbortSignal): Promise<Found<SeriesMatch>> {
    const route = `/studies/${studyUid}/series?includefield=NumberOfSeriesRelatedInstances&includefield=SeriesDescription&limit=${matchLimit(this.connection, 'series') + 1}`;
    return this.search(route, 'list the series of the study', 'series', seriesFromJson, signal);
  }

  /** A QIDO-RS search for at most one study: the app's "Test connection" (reachable, credentials accepted, DICOMweb answering). */
  async probe(): Promise<void> {
    await this.search('/studies?limit=1', 'answer a test query', 'studies', () => null, undefined, 'test');
  }

  /**
   * WADO-RS: one instance, the application/dicom part of the multipart/related answer, written
   * to `write` as it arrives (retrieve.ts: into a temporary file), never held whole; at most
   * MAX_INSTANCE_BYTES. Resolves with the bytes written.
   */
  async retrieveInstanceInto(ref: InstanceRef & { studyInstanceUid: string }, write: (chunk: Uint8Array) => void, signal?: AbortSignal): Promise<number> {
    const route = `/studies/${ref.studyInstanceUid}/series/${ref.seriesInstanceUid}/instances/${ref.sopInstanceUid}`;
    const what = 'retrieve an instance';
    // A failed write is Lumen's (a full disk), not the PACS's: thrown as it is, never as "cannot reach PACS".
    let written: { err: unknown } | null = null;
    const sink = (chunk: Uint8Array) => {
      try {
        write(chunk);
      } catch (err) {
        written = { err };
        throw err;
      }
    };
    try {
      return await this.guarded(what, signal, async (timeout) => {
        const answer = await this.open(route, 'multipart/related; type="application/dicom"; transfer-syntax=*', what, MAX_INSTANCE_BYTES, timeout);
        const splitter = new DicomPartSplitter(answer.headers.get('content-type') ?? '', sink);
        let total = 0;
        for await (const chunk of (answer.body ?? []) as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > MAX_INSTANCE_BYTES) throw new PacsError(`PACS "${this.connection.name}" sent more than ${MAX_INSTANCE_BYTES} bytes when asked to ${what}.`);
          splitter.push(chunk);
        }
        splitter.end();
        return splitter.written;
      });
    } catch (err) {
      throw written ? (written as { err: unknown }).err : err;
    }
  }

  /**
   * A QIDO-RS answer: a list of DICOM JSON objects, read one object at a time as it arrives, each
   * made a match by `take` (null: not one). Reading stops after matchLimit(kind) objects, at an
   * object past MAX_IDENTIFIER_BYTES or past MAX_JSON_BYTES in all: studies and series then keep
   * what came before and say why (`incomplete`); an instance listing (a retrieve) fails.
   */
  private async search<T>(
    route: string,
    what: string,
    kind: 'studies' | 'series' | 'instances',
    take: (item: Record<string, unknown>) => T | null,
    signal?: AbortSignal,
    asked: Asked = 'request',
  ): Promise<Found<T>> {
    const name = this.connection.name;
    const limit = matchLimit(this.connection, kind);
    const notJson = () => new PacsError(`PACS "${name}" answered with something that is not a list of DICOM JSON objects when asked to ${what}.`);
    return this.guarded(what, signal, async (timeout) => {
      // No refusal by declared length: the body is read up to MAX_JSON_BYTES, and what came is kept.
      const answer = await this.open(route, 'application/dicom+json', what, Infinity, timeout);
      const found: T[] = [];
      let items = 0;
      let unreadable = false;
      const splitter = new JsonArraySplitter(MAX_IDENTIFIER_BYTES, (text) => {
        if (++items > limit) return false;
        let item: unknown;
        try {
          item = JSON.parse(text);
        } catch {
          unreadable = true;
          return false;
        }
        const match = take(item as Record<string, unknown>);
        if (match !== null) found.push(match);
        return true;
      });
      let total = 0;
      let tooLong = false;
      // Leaving the loop early cancels the body: the rest of the answer is not read.
      for await (const chunk of (answer.body ?? []) as AsyncIterable<Uint8Array>) {
        total += chunk.length;
        if (total > MAX_JSON_BYTES) {
          tooLong = true;
          break;
        }
        if (!splitter.push(chunk)) break;
      }
      if (unreadable || splitter.outcome === 'not-an-array') throw notJson();
      const mib = (n: number) => `${n / 1024 / 1024} MiB`;
      let incomplete: string | null = null;
      if (items > limit) {
        if (kind === 'instances') throw tooManyMatches(name, what, limit);
        return { matches: found, incomplete: moreThanShown(name, kind, limit), incompleteHint: raiseCapHint(kind, limit) };
      } else if (splitter.outcome === 'item-too-large' || tooLong) {
        const why = tooLong ? `sent more than ${mib(MAX_JSON_BYTES)}` : `sent a match larger than ${mib(MAX_IDENTIFIER_BYTES)}`;
        if (kind === 'instances') {
          const message = `PACS "${name}" ${why} when asked to ${what}; Lumen stopped reading. Retrieve the study series by series.`;
          // A listing too long (not one match too large): the retrieve lists the study series by series (retrieve.ts).
          throw tooLong ? new TooManyInstances(message, found.length) : new PacsError(message);
        }
        incomplete = cutShort(name, kind, found.length, why);
      } else if (!splitter.end()) throw notJson();
      return { matches: found, incomplete };
    }, asked);
  }

  /** Runs `work` with the request's time-out (and `cancel`) as its signal; failures of fetch become PacsErrors of ours (`asked`: silentServer's wording). */
  private async guarded<T>(what: string, cancel: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>, asked: Asked = 'request'): Promise<T> {
    const name = this.connection.name;
    const seconds = Math.round(this.timeoutMs / 100) / 10;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await work(cancel ? AbortSignal.any([timeout, cancel]) : timeout);
    } catch (err) {
      if (err instanceof PacsError) throw err;
      if (cancel?.aborted) throw new PacsCancelledError();
      if (timeout.aborted) throw new PacsError(silentServer(`PACS "${name}"`, seconds, what, asked), 'connection', TIMEOUT_HINT);
      throw new PacsError(unreachable(name, this.connection.url, what, err));
    }
  }

  /** The answer to a GET, its status checked and its declared length within `limit`; its body still to read. */
  private async open(route: string, accept: string, what: string, limit: number, signal: AbortSignal): Promise<Response> {
    const name = this.connection.name;
    const headers: Record<string, string> = { accept };
    const authorization = authorizationHeader(this.credentials);
    if (authorization) headers.authorization = authorization;
    const answer = await fetch(this.connection.url + route, { headers, signal, redirect: 'error' });
    if (answer.status === 401 || answer.status === 403) {
      await answer.body?.cancel();
      throw credentialsRefused(name, answer.status, what, Boolean(authorization));
    }
    // A query at the service's root (/studies?...) that finds no such resource, or a bad request: most often a base URL that is the server's address, not its DICOMweb root.
    const atRoot = /^\/(studies|series|instances)(\?|$)/.test(route);
    const baseUrl = `check the DICOMweb base URL (${this.connection.url})${atRoot && !/\/dicom-web\/?$/i.test(this.connection.url) ? "; Orthanc's, for example, is http://<host>:8042/dicom-web" : ''}`;
    if (answer.status === 404) {
      await answer.body?.cancel();
      throw new PacsError(`PACS "${name}" has no such resource (HTTP 404) when asked to ${what}: ${baseUrl}${/^\/studies\/[^?]/.test(route) ? ' and the UIDs' : ''}.`, 'instance');
    }
    if (!answer.ok && answer.status !== 204) {
      await answer.body?.cancel();
      throw new PacsError(`PACS "${name}" answered HTTP ${answer.status} when asked to ${what}${answer.status === 400 && atRoot ? `: ${baseUrl}` : ''}.`);
    }
    const declared = Number(answer.headers.get('content-length') ?? '0');
    if (declared > limit) {
      await answer.body?.cancel();
      throw new PacsError(`PACS "${name}" sent ${declared} bytes when asked to ${what}, more than Lumen accepts (${limit}).`);
    }
    return answer;
  }
}

/** The Authorization header for stored credentials (basic or bearer), or null. */
export function authorizationHeader(c: Credentials | null): string | null {
  if (c && 'user' in c) return 'Basic ' + Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64');
  if (c && 'bearer' in c) return `Bearer ${c.bearer}`;
  return null;
}

export async function readLimited(answer: Response, limit: number, tooBig: () => Error): Promise<Uint8Array> {
  if (!answer.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of answer.body as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) throw tooBig();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Why fetch could not reach the PACS at `url` to do `what`, as a sentence of ours: a host name
 * that cannot be found is named, with the base URL to check; any other cause in a few words.
 */
export function unreachable(name: string, url: string, what: string, err: unknown): string {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    let host = url;
    try {
      host = new URL(url).hostname;
    } catch {
      // a URL the store accepted always parses; the whole URL names it otherwise
    }
    return `cannot reach PACS "${name}" at ${url} to ${what}: ${hostNotFound(host, code, 'the host name in the base URL')}`;
  }
  return `cannot reach PACS "${name}" at ${url} to ${what} (${networkReason(err)}): check the URL and that the server is running.`;
}

/** The cause fetch gives, in a few words of our own (connection refused, unknown host...). */
export function networkReason(err: unknown): string {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connecting timed out';
    default:
      return code ? `network error ${code}` : 'network error';
  }
}

function firstString(item: Record<string, unknown>, tag: string): string | undefined {
  const element = item[tag] ?? item[tag.toLowerCase()];
  const value = (element as { Value?: unknown[] } | undefined)?.Value?.[0];
  return typeof value === 'string' ? value : undefined;
}

/** The parts of a multipart/related body (RFC 2046), each with its Content-Type. */
export function multipartParts(contentType: string, body: Uint8Array): { type: string; bytes: Uint8Array }[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!/^multipart\/related/i.test(contentType) || !match) throw new PacsError(`the PACS answered a retrieve with ${contentType || 'no content type'}, not multipart/related.`, 'instance');
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`, 'latin1');
  // A delimiter opens the body or follows a line break (RFC 2046 5.1.1): the same bytes inside an
  // instance (its pixel data may hold anything) are content, and cutting there would lose its end.
  const lineDelimiter = Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]);
  const parts: { type: string; bytes: Uint8Array }[] = [];
  const first = buffer.subarray(0, delimiter.length).equals(delimiter) ? 0 : buffer.indexOf(lineDelimiter);
  let at = first > 0 ? first + 2 : first;
  while (at >= 0) {
    const start = at + delimiter.length;
    if (buffer[start] === 0x2d && buffer[start + 1] === 0x2d) break; // closing delimiter
    // From the line break after the delimiter: a part without headers has its blank line at once
    // (its body may begin with a line break of its own).
    const headersEnd = buffer.indexOf('\r\n\r\n', start, 'latin1');
    if (headersEnd < 0) break;
    const headersStart = buffer[start] === 0x0d && buffer[start + 1] === 0x0a ? start + 2 : start;
    const headers = buffer.subarray(Math.min(headersStart, headersEnd), headersEnd).toString('latin1');
    // From the blank line's own line break on: an empty part's delimiter follows it at once.
    const next = buffer.indexOf(lineDelimiter, headersEnd + 2);
    if (next < 0) throw new PacsError('the PACS answer ended in the middle of an instance (multipart body without its closing boundary).', 'instance');
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1].trim() ?? '';
    parts.push({ type, bytes: buffer.subarray(headersEnd + 4, Math.max(next, headersEnd + 4)) });
    at = next + 2;
  }
  return parts;
}
