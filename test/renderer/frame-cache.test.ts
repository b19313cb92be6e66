// The viewer's frame cache stays within its memory bound, dropping the least recently used
// frame first, and prefetch asks for the neighbours in the direction of travel first.
import { describe, expect, it } from 'vitest';
import { FRAME_CACHE_BYTES, FrameCache, prefetchOrder } from '../../renderer/src/viewer/frameCache';

const MiB = 1024 * 1024;
/** A 512x512 slice's Float32 values, as the viewer holds them. */
const slice = () => new Float32Array(512 * 512);

describe('FrameCache', () => {
  it('keeps the bytes within its bound, dropping the least recently used', async () => {
    const cache = new FrameCache<Float32Array>((v) => v.byteLength, 5 * MiB);
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve(slice());
    };
    for (let i = 0; i < 5; i++) await cache.get(`s${i}`, load);
    expect(cache.stats().bytes).toBe(5 * MiB);
    // s0 used again: s1 is now the least recently used.
    await cache.get('s0', load);
    expect(loads).toBe(5);
    for (let i = 5; i < 20; i++) {
      await cache.get(`s${i}`, load);
      expect(cache.stats().bytes).toBeLessThanOrEqual(5 * MiB);
    }
    const stats = cache.stats();
    expect(stats.frames).toBe(5);
    expect(stats.evicted).toBe(15);
    expect(cache.has('s19')).toBe(true);
    expect(cache.has('s1')).toBe(false);
    expect(cache.has('s0')).toBe(false);
  });

  it('loads a frame asked for twice once, and forgets a failed one', async () => {
    const cache = new FrameCache<Float32Array>((v) => v.byteLength);
    let loads = 0;
    const slow = () => {
      loads++;
      return new Promise<Float32Array>((r) => setTimeout(() => r(slice()), 5));
    };
    await Promise.all([cache.get('a', slow), cache.get('a', slow)]);
    expect(loads).toBe(1);
    await expect(cache.get('b', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    await Promise.resolve();
    expect(cache.has('b')).toBe(false);
    expect(cache.stats()).toMatchObject({ frames: 1, bytes: MiB, limitBytes: FRAME_CACHE_BYTES });
    cache.clear();
    expect(cache.stats()).toMatchObject({ frames: 0, bytes: 0 });
  });

  it('a frame cleared while loading is not counted when it arrives', async () => {
    const cache = new FrameCache<Float32Array>((v) => v.byteLength, 2 * MiB);
    let arrive!: (v: Float32Array) => void;
    const p = cache.get('late', () => new Promise((r) => (arrive = r)));
    cache.clear();
    arrive(slice());
    await p;
    expect(cache.stats()).toMatchObject({ frames: 0, bytes: 0 });
  });
});

describe('FrameCache.withdrawUnwanted', () => {
  it('withdraws the loads scrolled past, keeps those still wanted and the frames already in', async () => {
    const cache = new FrameCache<Float32Array>((v) => v.byteLength);
    const signals = new Map<string, AbortSignal>();
    const pending = new Map<string, (v: Float32Array) => void>();
    const load = (key: string) => (signal: AbortSignal) => {
      signals.set(key, signal);
      return new Promise<Float32Array>((resolve, reject) => {
        pending.set(key, resolve);
        signal.addEventListener('abort', () => reject(new Error('withdrawn')));
      });
    };
    const loaded = cache.get('s0', load('s0'));
    pending.get('s0')!(slice());
    await loaded;
    const outcomes = ['s1', 's2', 's3'].map((k) => cache.get(k, load(k)).then(() => 'in', () => 'withdrawn'));
    expect(cache.withdrawUnwanted(new Set(['s3']))).toBe(2);
    expect([signals.get('s0')!.aborted, signals.get('s1')!.aborted, signals.get('s2')!.aborted, signals.get('s3')!.aborted]).toEqual([false, true, true, false]);
    pending.get('s3')!(slice());
    expect(await Promise.all(outcomes)).toEqual(['withdrawn', 'withdrawn', 'in']);
    // What was in stays; the withdrawn are forgotten (a later get loads them again); counted once.
    expect(['s0', 's1', 's2', 's3'].map((k) => cache.has(k))).toEqual([true, false, false, true]);
    expect(cache.stats()).toMatchObject({ frames: 2, withdrawn: 2 });
    expect(cache.withdrawUnwanted(new Set())).toBe(0);
  });

  it('clear withdraws the loads still on their way', () => {
    const cache = new FrameCache<Float32Array>((v) => v.byteLength);
    let signal: AbortSignal | undefined;
    void cache.get('s0', (s) => ((signal = s), new Promise<Float32Array>(() => {})));
    cache.clear();
    expect(signal!.aborted).toBe(true);
  });
});

describe('prefetchOrder', () => {
  it('fetches ahead in the direction of travel first, nearest first, within the series', () => {
    expect(prefetchOrder(10, 1, 100)).toEqual([11, 9, 12, 8, 13, 14, 15, 16]);
    expect(prefetchOrder(10, -1, 100)).toEqual([9, 11, 8, 12, 7, 6, 5, 4]);
    expect(prefetchOrder(97, 1, 100)).toEqual([98, 96, 99, 95]);
    expect(prefetchOrder(0, -1, 3)).toEqual([1, 2]);
    expect(prefetchOrder(0, 1, 1)).toEqual([]);
  });
});
