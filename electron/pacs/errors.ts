/** A PACS failure a user can act on: what happened, with which connection, and what to do. Never a library's own words, never patient data. */
export class PacsError extends Error {
  /** `instance`: only this instance failed, a retrieve goes on; `connection`: nothing more can come from this PACS now. */
  constructor(
    message: string,
    readonly scope: 'instance' | 'connection' = 'connection',
  ) {
    super(message);
    this.name = 'PacsError';
  }
}

/** How long one request may wait for the PACS before it is given up, unless the caller says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A DICOM UID (PS3.5 9.1): digits and dots, at most 64 characters. Checked before a UID from a server names a file. */
export function isUid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/.test(value);
}
