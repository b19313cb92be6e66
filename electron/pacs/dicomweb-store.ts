/**
 * STOW-RS: POST {base}/studies with a multipart/related body of
 * application/dicom parts, one per instance, and the per-instance answer read
 * from the server's reply (ReferencedSOPSequence: stored, with any warning;
 * FailedSOPSequence: not stored, with the failure reason). Over Node's fetch,
 * as QIDO and WADO are (dicomweb.ts says why not dicomweb-client's
 * storeInstances: it needs XMLHttpRequest): the multipart body is a few lines.
 */
import { randomBytes } from 'node:crypto';
import type { Credentials, DicomWebConnection } from './connections';
import { authorizationHeader, readLimited, unreachable } from './dicomweb';
import { credentialsRefused, DEFAULT_TIMEOUT_MS, PacsCancelledError, PacsError, silentServer, TIMEOUT_HINT } from './errors';
import type { InstanceOutcome, OutgoingInstance } from './send';
import { storeStatusWords } from './store-status';

/** The reply to a STOW-RS request is a small JSON object; anything larger is refused. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

interface JsonItem {
  [tag: string]: { Value?: unknown[] } | undefined;
}

const items = (reply: JsonItem, tag: string): JsonItem[] => (Array.isArray(reply[tag]?.Value) ? (reply[tag]!.Value as unknown[]) : []).filter((x): x is JsonItem => typeof x === 'object' && x !== null);
const first = (item: JsonItem, tag: string): unknown => item[tag]?.Value?.[0];

/** Stores a batch of instances in one STOW-RS request; the outcome of each by SOP Instance UID. */
export async function stowInstances(
  connection: DicomWebConnection,
  credentials: Credentials | null,
  batch: OutgoingInstance[],
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<Map<string, InstanceOutcome>> {
  const name = connection.name;
  if (connection.auth !== 'none' && !credentials) {
    throw new PacsError(`PACS "${name}" needs credentials and none are stored.`, 'connection', { code: 'enter-credentials', setting: 'credentials' });
  }
  const boundary = `lumen-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const item of batch) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'), item.bytes, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  const headers: Record<string, string> = { accept: 'application/dicom+json', 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` };
  const authorization = authorizationHeader(credentials);
  if (authorization) headers.authorization = authorization;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const seconds = Math.round(timeoutMs / 100) / 10;
  const timeout = AbortSignal.timeout(timeoutMs);
  const what = 'store instances (STOW-RS)';
  let status: number;
  let body: Uint8Array;
  try {
    const answer = await fetch(`${connection.url}/studies`, {
      method: 'POST',
      headers,
      body: Buffer.concat(parts),
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      redirect: 'error',
    });
    status = answer.status;
    if (status === 401 || status === 403) {
      await answer.body?.cancel();
      throw credentialsRefused(name, status, what, Boolean(authorization));
    }
    if (status === 404 || status === 405) {
      await answer.body?.cancel();
      throw new PacsError(`PACS "${name}" does not take STOW-RS at ${connection.url}/studies (HTTP ${status}): check the DICOMweb base URL, or that the server accepts stores.`);
    }
    if (status === 413) {
      await answer.body?.cancel();
      throw new PacsError(`PACS "${name}" refused the request as too large (HTTP 413) when asked to ${what}.`);
    }
    body = await readLimited(answer, MAX_REPLY_BYTES, () => new PacsError(`PACS "${name}" sent more than ${MAX_REPLY_BYTES} bytes in reply to a store.`));
  } catch (err) {
    if (err instanceof PacsError) throw err;
    if (options.signal?.aborted) throw new PacsCancelledError();
    if (timeout.aborted) throw new PacsError(silentServer(`PACS "${name}"`, seconds, what, 'request'), 'connection', TIMEOUT_HINT);
    throw new PacsError(unreachable(name, connection.url, what, err));
  }

  let reply: JsonItem | null = null;
  if (body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
      // A server may answer a list holding the one object.
      const object = Array.isArray(parsed) ? parsed[0] : parsed;
      if (typeof object === 'object' && object !== null) reply = object as JsonItem;
    } catch {
      reply = null;
    }
  }
  const outcomes = new Map<string, InstanceOutcome>();
  if (reply) {
    for (const item of items(reply, '00081199')) {
      const sop = first(item, '00081155');
      const warning = first(item, '00081196');
      if (typeof sop === 'string') outcomes.set(sop, typeof warning === 'number' && warning !== 0 ? { stored: true, warning: `stored with a warning: ${storeStatusWords(warning)}.` } : { stored: true });
    }
    for (const item of items(reply, '00081198')) {
      const sop = first(item, '00081155');
      const reason = first(item, '00081197');
      if (typeof sop === 'string') outcomes.set(sop, { stored: false, reason: `the PACS refused it: ${typeof reason === 'number' ? storeStatusWords(reason) : 'no reason given'}.` });
    }
  }
  if (status < 200 || status > 299) {
    // 409 and 400 carry the per-instance failures; a server error naming none stops the send.
    if (status >= 500 && outcomes.size === 0) throw new PacsError(`PACS "${name}" answered HTTP ${status} when asked to ${what}.`);
    for (const item of batch) if (!outcomes.has(item.sopInstanceUid)) outcomes.set(item.sopInstanceUid, { stored: false, reason: `the PACS answered HTTP ${status} to the store.` });
  } else if (!reply) {
    throw new PacsError(`PACS "${name}" answered a store with something that is not DICOM JSON: whether the instances were stored is unknown; check on the PACS.`);
  }
  return outcomes;
}
