/**
 * Bounds on what a DIMSE peer can make Lumen hold in memory (the C-STORE
 * receiver of listen.ts, and the instances a C-GET sends back in dimse.ts).
 * dcmjs-dimse gathers each incoming C-STORE data set in a memory stream with
 * no limit and reads a PDU of any declared length (up to 4 GiB) into one
 * buffer. It lets its user choose the stream a data set is written to
 * (`createStoreWritableStream`, `createDatasetFromStoreWritableStream`), so
 * Lumen wraps it rather than patching it: each data set goes into a
 * `BoundedSink` that keeps what fits the bounds below and drops the rest, and
 * an instance that did not fit is answered with a DIMSE failure status
 * (0xA700, out of resources) by the caller. PDU lengths are watched on the
 * socket itself: a peer that declares a PDU longer than `MAX_PDU_BYTES` is
 * disconnected before it is read.
 */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';

const { Dataset } = dimse;

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
 * One instance: 1 GiB, half of WADO-RS's largest (Node's largest buffer), because a received data
 * set is copied while it is filed (dcmjs-dimse parses it and writes it again), so one instance
 * costs about three times its size at its peak. At once: 2 GiB, two such instances, so several
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

/** A C-STORE data set as it arrives: kept while it fits the bounds; past them, dropped, with why. */
export class BoundedSink extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private reserved = 0;
  /** Why the instance is not kept (it went past a bound); null while it fits. */
  refused: string | null = null;

  constructor(private readonly limits: ReceiveLimits) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.refused === null) {
      if (this.size + chunk.length > this.limits.instanceBytes) {
        this.refuse(`it is larger than ${size(this.limits.instanceBytes)}, the most Lumen receives in one instance`);
      } else if (held + chunk.length > this.limits.totalBytes) {
        this.refuse(`Lumen was already receiving ${size(held)} of instances at once (its limit is ${size(this.limits.totalBytes)}); the sender may send it again later`);
      } else {
        this.chunks.push(chunk);
        this.size += chunk.length;
        this.reserved += chunk.length;
        held += chunk.length;
      }
    }
    done();
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
    this.release();
  }
}

/** Why a data set handed to cStoreRequest was refused before it was read (absent: it was read). */
const refusals = new WeakMap<object, string>();

/** Why this received data set was not kept (it went past a bound), or null. */
export function refusedDataSet(dataSet: unknown): string | null {
  return dataSet && typeof dataSet === 'object' ? (refusals.get(dataSet) ?? null) : null;
}

interface StoreStreamHost {
  socket?: Socket;
  createStoreWritableStream(context: unknown, request: unknown): Writable;
  createDatasetFromStoreWritableStream(writable: Writable, context: { getAcceptedTransferSyntaxUid(): string }, callback: (dataSet: unknown) => void): void;
}

/** The sinks still being written on each connection: given back when it closes mid-instance. */
const openSinks = new WeakMap<object, Set<BoundedSink>>();

function openSink(host: StoreStreamHost, limits: ReceiveLimits): BoundedSink {
  const sink = new BoundedSink(limits);
  let open = openSinks.get(host);
  if (!open) {
    const sinks = new Set<BoundedSink>();
    openSinks.set(host, sinks);
    host.socket?.once('close', () => {
      for (const s of sinks) s.release();
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
  try {
    if (sink.refused !== null) {
      const empty = new Dataset({}, syntax);
      refusals.set(empty, sink.refused);
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
 * `send` has made it): each C-STORE data set goes into a BoundedSink.
 */
export function boundStoreStreams(host: object, limits: ReceiveLimits = RECEIVE_LIMITS): void {
  const h = host as StoreStreamHost;
  h.createStoreWritableStream = () => openSink(h, limits);
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
