// The viewer's frames kept in the page: least recently used first out, within a memory bound,
// and the order in which neighbours are fetched ahead of the user. No DOM types, so tests run it
// under Node (test/renderer/frame-cache.test.ts).

/**
 * The most bytes of decoded frames the page keeps: 256 MiB, a 512x512 slice's Float32 values
 * being 1 MiB, so about 250 such slices (a whole CT series of that size stays warm).
 */
export const FRAME_CACHE_BYTES = 256 * 1024 * 1024;

export interface FrameCacheStats {
  /** Frames held, those still loading among them. */
  frames: number;
  /** Bytes of the frames loaded. */
  bytes: number;
  limitBytes: number;
  /** Frames dropped to stay within the bound since the cache was made. */
  evicted: number;
  /** Every key asked to load, in order (the last 64), so a test can see what was fetched ahead. */
  requested: string[];
  /** Loads withdrawn before they came back (scrolled past: withdrawUnwanted), since the cache was made. */
  withdrawn: number;
}

interface Entry<T> {
  promise: Promise<T>;
  /** Known once loaded; 0 while loading. */
  bytes: number;
  /** Aborted when the load is withdrawn; null once it settled. */
  loading: AbortController | null;
}

/** Frames by key, each a promise (so a frame asked for twice loads once); evicts the least recently used over `limitBytes`. */
export class FrameCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;
  private evicted = 0;
  private withdrawn = 0;
  private readonly requested: string[] = [];

  constructor(
    private readonly sizeOf: (value: T) => number,
    private readonly limitBytes = FRAME_CACHE_BYTES,
  ) {}

  /**
   * The frame for `key`, loading it with `load` when not held; marks it most recently used. A
   * failed load is forgotten. `load` gets a signal that aborts when the load is withdrawn.
   */
  get(key: string, load: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const held = this.entries.get(key);
    if (held) {
      this.entries.delete(key);
      this.entries.set(key, held);
      return held.promise;
    }
    const loading = new AbortController();
    const entry: Entry<T> = { promise: load(loading.signal), bytes: 0, loading };
    this.entries.set(key, entry);
    this.requested.push(key);
    if (this.requested.length > 64) this.requested.shift();
    entry.promise.then(
      (value) => {
        entry.loading = null;
        if (this.entries.get(key) !== entry) return;
        entry.bytes = this.sizeOf(value);
        this.bytes += entry.bytes;
        this.evict(key);
      },
      () => {
        entry.loading = null;
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Withdraws every load still on its way whose key is not in `keep` (the frame shown and the
   * neighbours it fetches ahead): the user scrolled past them, and the engine drops a withdrawn
   * frame still queued before it decodes, so the slice the user stops on does not wait behind
   * every slice skipped. Their entries go; a later get loads them again. Returns how many.
   */
  withdrawUnwanted(keep: ReadonlySet<string>): number {
    let n = 0;
    for (const [key, entry] of this.entries) {
      if (!entry.loading || keep.has(key)) continue;
      this.entries.delete(key);
      entry.loading.abort();
      entry.loading = null;
      n++;
    }
    this.withdrawn += n;
    return n;
  }

  /** Forgets every frame, withdrawing those still loading. */
  clear(): void {
    for (const entry of this.entries.values()) entry.loading?.abort();
    this.entries.clear();
    this.bytes = 0;
  }

  stats(): FrameCacheStats {
    return { frames: this.entries.size, bytes: this.bytes, limitBytes: this.limitBytes, evicted: this.evicted, requested: [...this.requested], withdrawn: this.withdrawn };
  }

  /** Drops the least recently used loaded frames until the bytes fit, never `keep` (the one just loaded). */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.limitBytes) return;
      if (key === keep || entry.bytes === 0) continue;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
      this.evicted++;
    }
  }
}

/**
 * The images to fetch after image `index` is shown, nearest first: `ahead` in the direction of
 * travel (+1 down the stack, -1 up), then `behind` the other way; only those in 0..count-1.
 */
export function prefetchOrder(index: number, direction: 1 | -1, count: number, ahead = 6, behind = 2): number[] {
  const out: number[] = [];
  for (let d = 1; d <= Math.max(ahead, behind); d++) {
    if (d <= ahead) out.push(index + direction * d);
    if (d <= behind) out.push(index - direction * d);
  }
  return out.filter((i) => i >= 0 && i < count);
}
