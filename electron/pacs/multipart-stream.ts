/**
 * A WADO-RS answer (multipart/related, RFC 2046) split as it arrives: the
 * first application/dicom part's bytes go to `write` chunk by chunk, so an
 * instance is never held whole in memory; what else the answer holds is read
 * and dropped. The rules are multipartParts' (dicomweb.ts), which splits a
 * whole body: a delimiter opens the body or follows a line break, and an
 * instance's own bytes may hold the boundary anywhere else.
 */
import { PacsError } from './errors';

/** Part headers longer than this are no PACS's (a part's headers are a line or two). */
const MAX_HEADER_BYTES = 64 * 1024;

type State = 'preamble' | 'delimiter' | 'headers' | 'body' | 'done';

export class DicomPartSplitter {
  private readonly delimiter: Buffer;
  private readonly lineDelimiter: Buffer;
  private state: State = 'preamble';
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes at the start of `pending` that may begin a delimiter but are not body (the blank line's break). */
  private skip = 0;
  private writing = false;
  private found = false;
  /** Nothing of the answer dropped yet: only here may a delimiter come without a line break before it. */
  private atStart = true;
  /** Bytes of the application/dicom part written so far. */
  written = 0;

  constructor(
    contentType: string,
    private readonly write: (chunk: Uint8Array) => void,
  ) {
    const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    if (!/^multipart\/related/i.test(contentType) || !match) throw new PacsError(`the PACS answered a retrieve with ${contentType || 'no content type'}, not multipart/related.`, 'instance');
    this.delimiter = Buffer.from(`--${match[1] ?? match[2]}`, 'latin1');
    this.lineDelimiter = Buffer.concat([Buffer.from('\r\n', 'latin1'), this.delimiter]);
  }

  push(chunk: Uint8Array): void {
    if (this.state === 'done') return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const before: State = this.state;
      if (before === 'preamble') this.preamble();
      else if (before === 'delimiter') this.afterDelimiter();
      else if (before === 'headers') this.headers();
      else if (before === 'body') this.body();
      const after = this.current();
      if (after === before || after === 'done') return;
    }
  }

  /** The state as the last step left it (a call, so that TypeScript does not narrow it across steps). */
  private current(): State {
    return this.state;
  }

  /** The answer ended: it must have closed its last part and held an application/dicom part. */
  end(): void {
    if (this.state === 'body' || this.state === 'headers') throw new PacsError('the PACS answer ended in the middle of an instance (multipart body without its closing boundary).', 'instance');
    if (!this.found) throw new PacsError('the PACS answered a retrieve with no application/dicom part.', 'instance');
  }

  private preamble(): void {
    if (this.pending.length < this.delimiter.length) return;
    // What the last chunk left may begin with the boundary too; it opens the body only at its start.
    if (this.atStart && this.pending.subarray(0, this.delimiter.length).equals(this.delimiter)) {
      this.pending = this.pending.subarray(this.delimiter.length);
      this.state = 'delimiter';
      return;
    }
    this.atStart = false;
    const at = this.pending.indexOf(this.lineDelimiter);
    if (at >= 0) {
      this.pending = this.pending.subarray(at + this.lineDelimiter.length);
      this.state = 'delimiter';
    } else {
      // Keep only what could begin a delimiter that the next chunk completes.
      this.pending = this.pending.subarray(Math.max(0, this.pending.length - this.lineDelimiter.length + 1));
    }
  }

  /** Just after a delimiter: "--" closes the answer; else the part's headers follow. */
  private afterDelimiter(): void {
    if (this.pending.length < 2) return;
    if (this.pending[0] === 0x2d && this.pending[1] === 0x2d) {
      this.state = 'done';
      this.pending = Buffer.alloc(0);
      return;
    }
    this.state = 'headers';
  }

  private headers(): void {
    // From the line break after the delimiter: a part without headers has its blank line at once.
    const end = this.pending.indexOf('\r\n\r\n', 0, 'latin1');
    if (end < 0) {
      if (this.pending.length > MAX_HEADER_BYTES) throw new PacsError(`the PACS answered a retrieve with part headers longer than ${MAX_HEADER_BYTES} bytes.`, 'instance');
      return;
    }
    const start = this.pending[0] === 0x0d && this.pending[1] === 0x0a ? 2 : 0;
    const headers = this.pending.subarray(Math.min(start, end), end).toString('latin1');
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1].trim() ?? '';
    this.writing = !this.found && (/^application\/dicom\b/i.test(type) || type === '');
    this.found ||= this.writing;
    // The blank line's own break may begin the next delimiter (an empty part): kept, not body.
    this.pending = this.pending.subarray(end + 2);
    this.skip = 2;
    this.state = 'body';
  }

  private body(): void {
    const at = this.pending.indexOf(this.lineDelimiter);
    if (at >= 0) {
      if (at > this.skip) this.emit(this.pending.subarray(this.skip, at));
      this.pending = this.pending.subarray(at + this.lineDelimiter.length);
      this.skip = 0;
      this.writing = false;
      this.state = 'delimiter';
      return;
    }
    const safe = this.pending.length - this.lineDelimiter.length + 1;
    if (safe > this.skip) {
      this.emit(this.pending.subarray(this.skip, safe));
      this.pending = Buffer.from(this.pending.subarray(safe));
      this.skip = 0;
    }
  }

  private emit(bytes: Buffer): void {
    if (!this.writing) return;
    this.written += bytes.length;
    this.write(bytes);
  }
}
