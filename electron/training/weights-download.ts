// Downloads a published Keras weights file into the data folder, only when the user asks:
// the bytes go to <file>.partial and an interrupted download resumes from there with an
// HTTP Range request; the whole file is then checked against the published hash, and a
// file that does not match is deleted, never kept or imported.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CancelledError } from '../../common/cancel';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../common/node/safe-fs';
import { hashFile, KERAS_WEIGHTS_BASE_URL, type KerasWeightsFile } from '../../models/weights';
import { importImagenetWeights, publishedFile, weightsDir, type ImagenetVariant, type ImagenetWeights } from './imagenet';

export class DownloadError extends Error {}

/**
 * The download stopped because its signal was aborted (Cancel in the app): a cancel, told from a
 * failure by its class (common/cancel.ts). Its message says what was kept; `received`: the bytes
 * in the .partial file, from which the next download resumes.
 */
export class DownloadCancelledError extends CancelledError {
  constructor(readonly received: number) {
    super(received > 0 ? `Cancelled: the ${received} bytes downloaded are kept, and the next download resumes from there.` : 'Cancelled');
    this.name = 'DownloadCancelledError';
  }
}

export interface DownloadProgress {
  received: number;
  /** Null while the server has not said. */
  total: number | null;
  /** Bytes that were already on disk from an interrupted download. */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  /** The finished file; the bytes arrive in `${dest}.partial`. */
  dest: string;
  /** The published MD5 (Keras' hashes are MD5: models/weights/keras-files.ts). */
  md5: string;
  /** A SHA-256 from a trusted source, checked too when given. */
  sha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

function describeNetworkError(err: unknown, url: string): string {
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return `cannot reach ${host} (no network or no name resolution): this machine looks offline. Import the file from disk instead`;
  if (cause === 'ECONNREFUSED') return `${host} refused the connection`;
  if (cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET') return `the connection to ${host} was cut`;
  return `the download from ${host} failed (${cause ?? 'network error'})`;
}

/** Downloads `url` to `dest`, resuming a `.partial` file left by an earlier try, and verifies the MD5. */
export async function downloadVerified(opts: DownloadOptions): Promise<{ bytes: number; resumedFrom: number; sha256: string }> {
  const partial = `${opts.dest}.partial`;
  ensurePrivateDir(path.dirname(opts.dest));
  let resumedFrom = existsSync(partial) ? statSync(partial).size : 0;
  const headers: Record<string, string> = resumedFrom > 0 ? { Range: `bytes=${resumedFrom}-` } : {};
  let res: Response;
  try {
    res = await fetch(opts.url, { headers, signal: opts.signal, redirect: 'follow' });
  } catch (err) {
    if (opts.signal?.aborted) throw new DownloadCancelledError(resumedFrom);
    throw new DownloadError(`${describeNetworkError(err, opts.url)}; ${resumedFrom > 0 ? `the ${resumedFrom} bytes already downloaded are kept for the next try` : 'nothing was written'}`);
  }
  let total: number | null = null;
  if (res.status === 416 && resumedFrom > 0) {
    // The partial file already holds everything (the server has nothing past its end): verify it.
    await res.body?.cancel();
  } else if (res.status === 206 && resumedFrom > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== resumedFrom) {
      await res.body?.cancel();
      unlinkSync(partial);
      throw new DownloadError('the server answered the resume request with another part of the file; the partial download was deleted, try again');
    }
    total = range[3] === '*' ? null : Number(range[3]);
  } else if (res.ok) {
    // 200: the whole file (a server that ignores Range starts again from the beginning).
    resumedFrom = 0;
    const length = Number(res.headers.get('content-length'));
    total = Number.isFinite(length) && length > 0 ? length : null;
  } else {
    await res.body?.cancel();
    throw new DownloadError(`the server answered HTTP ${res.status} for ${path.basename(new URL(opts.url).pathname)}`);
  }

  if (res.status !== 416) {
    const fd = openSync(partial, resumedFrom > 0 ? 'a' : 'w', PRIVATE_FILE_MODE);
    let received = resumedFrom;
    try {
      opts.onProgress?.({ received, total, resumedFrom });
      const reader = res.body!.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          fsyncSync(fd);
          if (opts.signal?.aborted) throw new DownloadCancelledError(received);
          throw new DownloadError(`${describeNetworkError(err, opts.url)} after ${received} of ${total ?? '?'} bytes; they are kept, and the next download resumes from there`);
        }
        if (chunk.done) break;
        writeSync(fd, chunk.value);
        received += chunk.value.length;
        opts.onProgress?.({ received, total, resumedFrom });
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (total !== null && received !== total) {
      throw new DownloadError(`the connection ended after ${received} of ${total} bytes; they are kept, and the next download resumes from there`);
    }
  }

  const hashes = await hashFile(partial);
  const mismatch =
    hashes.md5 !== opts.md5 ? `expected MD5 ${opts.md5}, got ${hashes.md5}` : opts.sha256 && hashes.sha256 !== opts.sha256 ? `expected SHA-256 ${opts.sha256}, got ${hashes.sha256}` : null;
  if (mismatch) {
    unlinkSync(partial);
    throw new DownloadError(
      `the downloaded ${path.basename(opts.dest)} does not match the published hash (${mismatch}); it was deleted and nothing was imported. Try again later, or import a copy you trust from disk`,
    );
  }
  renameSync(partial, opts.dest);
  return { bytes: hashes.bytes, resumedFrom, sha256: hashes.sha256 };
}

export interface DownloadImagenetOptions {
  dataDir: string;
  variant: ImagenetVariant;
  /** Default: Keras' storage (KERAS_WEIGHTS_BASE_URL). */
  baseUrl?: string;
  /** The file to fetch and its hash; default the published notop file of the variant. */
  published?: KerasWeightsFile;
  onProgress?: (p: DownloadProgress & { phase: 'download' | 'import'; message: string }) => void;
  signal?: AbortSignal;
}

/** Downloads the variant's published file into <dataDir>/weights/downloads, verifies it, and imports it. */
export async function downloadImagenetWeights(opts: DownloadImagenetOptions): Promise<ImagenetWeights & { download: { url: string; bytes: number; resumedFrom: number } }> {
  const published = opts.published ?? publishedFile(opts.variant);
  const url = new URL(published.file, opts.baseUrl ?? KERAS_WEIGHTS_BASE_URL).toString();
  const dest = path.join(weightsDir(opts.dataDir), 'downloads', published.file);
  let last = { received: 0, total: null as number | null, resumedFrom: 0 };
  const result = await downloadVerified({
    url,
    dest,
    md5: published.md5,
    sha256: published.sha256,
    signal: opts.signal,
    onProgress: (p) => {
      last = p;
      const mb = (n: number) => (n / 1e6).toFixed(1);
      opts.onProgress?.({ ...p, phase: 'download', message: `Downloading ${published.file}: ${mb(p.received)}${p.total ? ` of ${mb(p.total)}` : ''} MB${p.resumedFrom ? ` (resumed at ${mb(p.resumedFrom)} MB)` : ''}` });
    },
  });
  const record = await importImagenetWeights({
    dataDir: opts.dataDir,
    file: dest,
    variant: opts.variant,
    onProgress: (message) => opts.onProgress?.({ ...last, phase: 'import', message }),
  });
  return { ...record, download: { url, bytes: result.bytes, resumedFrom: result.resumedFrom } };
}
