// WasmInstance.call, which every codec of our own build decodes through: a call
// that traps drops the instance (its memory and stack are in an unknown state),
// the module's own message is what is thrown when it has one, and the next
// call gets a fresh instance. A tiny module written here traps on purpose.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WasmCodec, WasmInstance, type WasmExports } from '../../electron/dicom/wasm-codec';

interface TestExports extends WasmExports {
  boom(): void;
  msg(): number;
}

/** A module with memory, _initialize, boom (unreachable) and msg (a pointer to "it broke"). */
function trappingModule(): Uint8Array {
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const message = [...Array.from('it broke', (c) => c.charCodeAt(0)), 0];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 0, 0, 0x60, 0, 1, 0x7f]), // types: () -> (), () -> i32
    ...section(3, [3, 0, 0, 1]), // functions
    ...section(5, [1, 0, 1]), // one page of memory
    ...section(7, [4, ...name('memory'), 2, 0, ...name('_initialize'), 0, 0, ...name('boom'), 0, 1, ...name('msg'), 0, 2]),
    ...section(10, [3, 2, 0, 0x0b, 3, 0, 0x00, 0x0b, 4, 0, 0x41, 16, 0x0b]), // nothing; unreachable; i32.const 16
    ...section(11, [1, 0, 0x41, 16, 0x0b, message.length, ...message]), // "it broke" at 16
  ]);
}

let dir: string;
let codec: WasmCodec<TestExports>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-wasm-'));
  writeFileSync(join(dir, 'trap.wasm'), trappingModule());
  codec = await WasmCodec.compile<TestExports>(join(dir, 'trap.wasm'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WasmInstance.call', () => {
  it('keeps the instance across calls that return', () => {
    const slot = new WasmInstance(codec);
    const live = slot.get();
    expect(slot.call((e) => e.msg())).toBe(16);
    expect(slot.get()).toBe(live);
  });

  it('drops the instance after a trap and throws the trap', () => {
    const slot = new WasmInstance(codec);
    const live = slot.get();
    expect(() => slot.call((e) => e.boom())).toThrow(/unreachable/);
    expect(slot.memoryBytes()).toBe(0);
    expect(slot.get()).not.toBe(live);
  });

  it("throws the module's own message when it has one", () => {
    const slot = new WasmInstance(codec);
    expect(() => slot.call((e) => e.boom(), (e) => e.msg())).toThrow(/^it broke$/);
    expect(slot.memoryBytes()).toBe(0);
  });
});
