/**
 * Bounds on what a DIMSE peer can make Lumen hold in memory (the C-STORE
 * receiver of listen.ts, and the instances a C-GET sends back in dimse.ts).
 * dcmjs-dimse gathers each incoming C-STORE data set in a memory stream with
 * no limit and reads a PDU of any declared length (up to 4 GiB) into one
 * buffer. It lets its user choose the stream a data set is written to
 * (`createStoreWritableStream`, `createDatasetFromStoreWritableStream`), so
 * Lumen wraps it rather than patching it: each data set goes into a
 * `BoundedSink` that keeps what fits the bounds below and drops the rest (given
 * an InstanceFiler, it writes each chunk straight into a temporary Part 10 file
 * in the library's pacs-incoming/, filed by a rename), and
 * an instance that did not fit is answered with a DIMSE failure status
 * (0xA700, out of resources) by the caller. PDU lengths are watched on the
 * socket itself: a peer that declares a PDU longer than `MAX_PDU_BYTES` is
 * disconnected before it is read.
 */
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { dimseLoaded } from './dimse-module';
import { p10Header } from './p10';

export interface ReceiveLimits {
  /** The largest data set one C-STORE may carry. */
  instanceBytes: number;
  /** All C-STORE data sets being received at once in this process, every association together. */
  totalBytes: number;
}

const MIB = 1024 * 1024;

/** A byte count in words: MiB, or KiB below one MiB. */
function size(bytes: number): string {
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * One instance: 1 GiB, half of WADO-RS's largest (Node's largest buffer). Written to a file as it
 * arrives (the receiver, C-GET), a 200 MiB instance peaks at 1.2 times its size above the process's
 * idle memory (test/pacs/receive-memory.test.ts; 7.2 times when dcmjs-dimse parsed it and wrote
 * it again); gathered in memory (without a filer), a few times its size. At once: 2 GiB, so several
 * modalities sending together cannot take the engine's memory (each sender that goes past it is
 * refused that instance and may send it again later, as PS3.4 expects of status 0xA700).
 */
export const RECEIVE_LIMITS: Readonly<ReceiveLimits> = { instanceBytes: 1024 * MIB, totalBytes: 2048 * MIB };

/**
 * The longest PDU Lumen reads: 64 times the 256 KiB maximum PDU length Lumen announces in its
 * associations (dcmjs-dimse's default), which a peer must not exceed (PS3.8 D.1); far past it is
 * no peer's mistake.
 */
export const MAX_PDU_BYTES = 16 * MIB;

/** Bytes all open sinks keep now (the receiver's and C-GET's together). */
let held = 0;

/** Bytes held now by data sets being received (tests check that a refusal gives them back). */
export function receivedBytesHeld(): number {
  return held;
}

/** Where received instances are written as they arrive: an InstanceFiler (the library's pacs-incoming/, 0600 files). */
export interface IncomingFiles {
  openIncoming(): { file: string; fd: number };
  /** Why writing failed, in words (a full disk named as such). */
  writeProblem(err: unknown): string;
}

/**
 * A C-STORE data set as it arrives: kept while it fits the bounds; past them, dropped, with why.
 * With `spill`, each chunk goes straight to a Part 10 file (the header from the C-STORE command,
 * then the data set as received) and nothing of it is held in memory; the bounds count it the same.
 */
export class BoundedSink extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private reserved = 0;
  /** Why the instance is not kept (it went past a bound); null while it fits. */
  refused: string | null = null;
  /** The temporary Part 10 file being written (spill), or null. */
  private spilled: { file: string; fd: number | null } | null = null;

  constructor(
    private readonly limits: ReceiveLimits,
    private readonly spill?: { to: IncomingFiles; header: Buffer },
  ) {
    super();
    if (!spill) return;
    try {
      const { file, fd } = spill.to.openIncoming();
      this.spilled = { file, fd };
      fs.writeSync(fd, spill.header);
    } catch (err) {
      this.refuse(spill.to.writeProblem(err));
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.refused === null) {
      if (this.size + chunk.length > this.limits.instanceBytes) {
        this.refuse(`it is larger than ${size(this.limits.instanceBytes)}, the most Lumen receives in one instance`);
      } else if (held + chunk.length > this.limits.totalBytes) {
        this.refuse(`Lumen was already receiving ${size(held)} of instances at once (its limit is ${size(this.limits.totalBytes)}); the sender may send it again later`);
      } else {
        try {
          if (this.spilled?.fd != null) fs.writeSync(this.spilled.fd, chunk);
          else this.chunks.push(chunk);
          this.size += chunk.length;
          this.reserved += chunk.length;
          held += chunk.length;
        } catch (err) {
          this.refuse(this.spill!.to.writeProblem(err));
        }
      }
    }
    done();
  }

  /** The temporary file holding the whole instance, closed (spill), or null; the caller files or removes it. */
  takeFile(): string | null {
    if (!this.spilled || this.spilled.fd === null) return null;
    fs.closeSync(this.spilled.fd);
    const file = this.spilled.file;
    this.spilled = null;
    return file;
  }

  /** The temporary file of an instance that will not be filed (refused, or its connection closed), removed. */
  discard(): void {
    if (!this.spilled) return;
    const { file, fd } = this.spilled;
    this.spilled = null;
    try {
      if (fd !== null) fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(file, { force: true });
  }

  /** The data set received, whole (still counted as held until release()). */
  take(): Buffer {
    const bytes = Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    return bytes;
  }

  /** Gives back what this sink counted as held (once filed, refused, or its connection closed). */
  release(): void {
    held -= this.reserved;
    this.reserved = 0;
  }

  private refuse(reason: string): void {
    this.refused = reason;
    this.chunks = [];
    this.size = 0;
    this.discard();
    this.release();
  }
}

/** Why a data set handed to cStoreRequest was refused before it was read (absent: it was read). */
const refusals = new WeakMap<object, string>();

/** The temporary Part 10 file a received data set was written to (spill), for the caller to file or remove. */
const spilledFiles = new WeakMap<object, string>();

/** The temporary Part 10 file holding this received data set (boundStoreStreams with `incoming`), or null: then the data set is in memory. */
export function receivedFile(dataSet: unknown): string | null {
  return dataSet && typeof dataSet === 'object' ? (spilledFiles.get(dataSet) ?? null) : null;
}

/** Why this received data set was not kept (it went past a bound), or null. */
export function refusedDataSet(dataSet: unknown): string | null {
  return dataSet && typeof dataSet === 'object' ? (refusals.get(dataSet) ?? null) : null;
}

interface StoreContext {
  getAcceptedTransferSyntaxUid(): string;
}
interface StoreCommand {
  getAffectedSopClassUid(): string;
  getAffectedSopInstanceUid(): string;
}

interface StoreStreamHost {
  socket?: Socket;
  createStoreWritableStream(context: StoreContext, request: StoreCommand): Writable;
  createDatasetFromStoreWritableStream(writable: Writable, context: { getAcceptedTransferSyntaxUid(): string }, callback: (dataSet: unknown) => void): void;
}

/** The sinks still being written on each connection: given back when it closes mid-instance. */
const openSinks = new WeakMap<object, Set<BoundedSink>>();

function openSink(host: StoreStreamHost, limits: ReceiveLimits, incoming: IncomingFiles | undefined, context: StoreContext, request: StoreCommand): BoundedSink {
  const header = () =>
    p10Header({ sopClassUid: String(request.getAffectedSopClassUid() ?? ''), sopInstanceUid: String(request.getAffectedSopInstanceUid() ?? ''), transferSyntaxUid: context.getAcceptedTransferSyntaxUid() });
  const sink = new BoundedSink(limits, incoming ? { to: incoming, header: header() } : undefined);
  let open = openSinks.get(host);
  if (!open) {
    const sinks = new Set<BoundedSink>();
    openSinks.set(host, sinks);
    host.socket?.once('close', () => {
      for (const s of sinks) {
        s.release();
        s.discard();
      }
      sinks.clear();
    });
    open = sinks;
  }
  open.add(sink);
  return sink;
}

function dataSetFrom(host: StoreStreamHost, writable: Writable, context: { getAcceptedTransferSyntaxUid(): string }, callback: (dataSet: unknown) => void): void {
  const sink = writable as BoundedSink;
  const syntax = context.getAcceptedTransferSyntaxUid();
  // Called by dcmjs-dimse: loaded by now.
  const { Dataset } = dimseLoaded();
  try {
    const file = sink.refused === null ? sink.takeFile() : null;
    if (sink.refused !== null) {
      const empty = new Dataset({}, syntax);
      refusals.set(empty, sink.refused);
      callback(empty);
    } else if (file !== null) {
      // Written to a file as it came: not parsed nor copied here; the caller files the file.
      const empty = new Dataset({}, syntax);
      spilledFiles.set(empty, file);
      callback(empty);
    } else {
      callback(new Dataset(sink.take(), syntax));
    }
  } finally {
    sink.release();
    openSinks.get(host)?.delete(sink);
  }
}

/**
 * Bounded store streams for a dcmjs-dimse network object (an Scp, or a Client's network once
 * `send` has made it): each C-STORE data set goes into a BoundedSink; with `incoming`, into a
 * temporary Part 10 file from it (receivedFile), never whole in memory.
 */
export function boundStoreStreams(host: object, limits: ReceiveLimits = RECEIVE_LIMITS, incoming?: IncomingFiles): void {
  const h = host as StoreStreamHost;
  h.createStoreWritableStream = (context, request) => openSink(h, limits, incoming, context, request);
  h.createDatasetFromStoreWritableStream = (writable, context, callback) => dataSetFrom(h, writable, context, callback);
}

/**
 * Watches the PDU headers a peer sends on `socket` (type, reserved byte, 32-bit length: PS3.8
 * 9.3.1) and ends the connection at the first that declares more than `max` bytes, before dcmjs-dimse
 * gathers it; `onTooLong` says so (with the length declared).
 */
export function guardPduLength(socket: Socket, onTooLong: (declared: number) => void, max = MAX_PDU_BYTES): void {
  let rest = 0;
  let head = Buffer.alloc(0);
  const watch = (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (rest > 0) {
        const skip = Math.min(rest, chunk.length - at);
        rest -= skip;
        at += skip;
        continue;
      }
      const part = chunk.subarray(at, at + 6 - head.length);
      head = Buffer.concat([head, part]);
      at += part.length;
      if (head.length < 6) return;
      const declared = head.readUInt32BE(2);
      head = Buffer.alloc(0);
      if (declared > max) {
        socket.off('data', watch);
        onTooLong(declared);
        socket.destroy();
        return;
      }
      rest = declared;
    }
  };
  socket.on('data', watch);
}
