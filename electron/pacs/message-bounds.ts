/**
 * A bound on every DIMSE data set that is not a C-STORE instance: a C-FIND
 * identifier (a match), the identifier of a C-GET or C-MOVE response, a
 * request's identifier sent to the receiver. dcmjs-dimse gathers such a data
 * set in a memory stream with no limit, across as many PDUs as the peer sends,
 * and offers no hook for it (only C-STORE data sets go through
 * `createStoreWritableStream`: receive-bounds.ts). So Lumen reads the P-DATA
 * items on the socket itself (PS3.8 9.3.5, E.2), as `guardPduLength` reads PDU
 * headers: each command's Command Field says whether the data set that follows
 * is a C-STORE instance; any other data set declared past `max` bytes ends the
 * connection before dcmjs-dimse gathers it.
 */
import type { Socket } from 'node:net';

const MIB = 1024 * 1024;

/**
 * The largest identifier Lumen reads: a real C-FIND match is a few hundred bytes, a C-GET
 * response's list of failed instances (64 bytes each) under a MiB for 16 000 of them.
 */
export const MAX_IDENTIFIER_BYTES = 1 * MIB;

/** A command set is a few hundred bytes (PS3.7 E.1); far past it is no peer's mistake. */
const MAX_COMMAND_BYTES = 64 * 1024;

/** C-STORE-RQ (PS3.7 E.1-1): its data set is an instance, bounded by receive-bounds.ts instead. */
const C_STORE_RQ = 0x0001;

/** The Command Field (0000,0100) of a command set (always Implicit VR Little Endian), or null. */
export function commandField(command: Buffer): number | null {
  let at = 0;
  while (at + 8 <= command.length) {
    const group = command.readUInt16LE(at);
    const element = command.readUInt16LE(at + 2);
    const length = command.readUInt32LE(at + 4);
    if (group === 0x0000 && element === 0x0100 && length === 2 && at + 10 <= command.length) return command.readUInt16LE(at + 8);
    at += 8 + length;
  }
  return null;
}

/**
 * Watches the P-DATA items a peer sends on `socket` and ends the connection at the first data set
 * other than a C-STORE instance that goes past `max` bytes (or a command past 64 KiB); `onTooLarge`
 * says so, with the bytes declared so far. A fragment is counted by its declared length, before its
 * bytes arrive.
 */
export function guardIdentifierSize(socket: Socket, onTooLarge: (what: 'identifier' | 'command', declared: number) => void, max = MAX_IDENTIFIER_BYTES): void {
  /** Where the reader is: a PDU header, a PDU body skipped (not P-DATA), a PDV item header, a PDV's value. */
  let state: 'pdu' | 'skip' | 'item' | 'value' = 'pdu';
  let head = Buffer.alloc(0);
  let pduRest = 0;
  let valueRest = 0;
  let isCommand = false;
  let isLast = false;
  let command: Buffer[] = [];
  let commandBytes = 0;
  let storeDataSet = false;
  let dataSetBytes = 0;
  const stop = (what: 'identifier' | 'command', declared: number) => {
    socket.off('data', watch);
    onTooLarge(what, declared);
    socket.destroy();
  };
  /** A PDV read whole: a command's last fragment says what kind of data set follows. */
  const afterItem = () => {
    if (isCommand && isLast) {
      storeDataSet = commandField(Buffer.concat(command)) === C_STORE_RQ;
      command = [];
      commandBytes = 0;
      dataSetBytes = 0;
    }
    state = pduRest > 0 ? 'item' : 'pdu';
  };
  function watch(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (state === 'skip') {
        const n = Math.min(pduRest, chunk.length - at);
        pduRest -= n;
        at += n;
        if (pduRest === 0) state = 'pdu';
        continue;
      }
      if (state === 'value') {
        const n = Math.min(valueRest, chunk.length - at);
        if (isCommand) command.push(Buffer.from(chunk.subarray(at, at + n)));
        valueRest -= n;
        pduRest -= n;
        at += n;
        if (valueRest === 0) afterItem();
        continue;
      }
      // A PDU header (type, reserved, 32-bit length) or a PDV item header (32-bit length, context ID, message control header): six bytes either way.
      const part = chunk.subarray(at, at + 6 - head.length);
      head = Buffer.concat([head, part]);
      at += part.length;
      if (state === 'item') pduRest -= part.length;
      if (head.length < 6) return;
      if (state === 'pdu') {
        const type = head[0];
        pduRest = head.readUInt32BE(2);
        state = pduRest === 0 ? 'pdu' : type === 0x04 ? 'item' : 'skip';
      } else {
        valueRest = Math.max(0, head.readUInt32BE(0) - 2);
        isCommand = (head[5] & 0x01) === 1;
        isLast = (head[5] & 0x02) === 2;
        if (isCommand) {
          commandBytes += valueRest;
          if (commandBytes > MAX_COMMAND_BYTES) return stop('command', commandBytes);
        } else if (!storeDataSet) {
          dataSetBytes += valueRest;
          if (dataSetBytes > max) return stop('identifier', dataSetBytes);
        }
        if (valueRest > 0) state = 'value';
        else afterItem();
      }
      head = Buffer.alloc(0);
    }
  }
  socket.on('data', watch);
}
