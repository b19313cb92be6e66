/**
 * A QIDO-RS answer (a JSON array of DICOM JSON objects) read item by item as
 * it arrives, so that Lumen holds one match's text at a time, never the whole
 * answer, and can stop reading after enough matches or at a match too large:
 * JSON.parse of a whole body would hold the body and every object at once.
 * Only the array's top level is followed here (strings, escapes and nesting
 * depth); each item is then parsed by JSON.parse.
 */

export type SplitOutcome = 'more' | 'item-too-large' | 'not-an-array';

export class JsonArraySplitter {
  /** Depth inside the top-level array: 0 before it, 1 between items, 2+ inside one. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private item: Buffer[] = [];
  private itemBytes = 0;
  private started = false;
  private closed = false;
  /** Why reading must stop (the caller stops at anything but 'more'). */
  outcome: SplitOutcome = 'more';

  /** `onItem` returns false to stop reading (enough items). */
  constructor(
    private readonly maxItemBytes: number,
    private readonly onItem: (text: string) => boolean,
  ) {}

  /** True once the closing bracket of the array was read. */
  get complete(): boolean {
    return this.closed;
  }

  /** Feeds the next bytes; returns false when reading should stop (see `outcome`, or enough items). */
  push(chunk: Uint8Array): boolean {
    // Where the item being read starts in this chunk (0: it began in an earlier one).
    let from = this.depth >= 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.closed) {
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
        this.outcome = 'not-an-array';
        return false;
      }
      if (this.depth >= 2) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (b === 0x5c) this.escaped = true;
          else if (b === 0x22) this.inString = false;
          continue;
        }
        if (b === 0x22) this.inString = true;
        else if (b === 0x7b || b === 0x5b) this.depth++;
        else if (b === 0x7d || b === 0x5d) {
          this.depth--;
          if (this.depth === 1) {
            if (!this.keep(chunk.subarray(from, i + 1))) return false;
            from = -1;
            if (!this.finishItem()) return false;
          }
        }
        continue;
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      if (this.depth === 0) {
        if (b !== 0x5b || this.started) {
          this.outcome = 'not-an-array';
          return false;
        }
        this.started = true;
        this.depth = 1;
        continue;
      }
      // depth 1: between items
      if (b === 0x2c) continue;
      if (b === 0x5d) {
        this.closed = true;
        this.depth = 0;
        continue;
      }
      if (b === 0x7b) {
        this.depth = 2;
        from = i;
        continue;
      }
      // A string, number or literal as an item: not a DICOM JSON object; skipped as its own text would be.
      this.outcome = 'not-an-array';
      return false;
    }
    if (from >= 0 && !this.keep(chunk.subarray(from))) return false;
    return true;
  }

  /** True when the answer was a whole array (or nothing at all, which QIDO-RS means as no match). */
  end(): boolean {
    return this.closed || (!this.started && this.outcome === 'more');
  }

  private keep(part: Uint8Array): boolean {
    this.itemBytes += part.length;
    if (this.itemBytes > this.maxItemBytes) {
      this.outcome = 'item-too-large';
      this.item = [];
      return false;
    }
    this.item.push(Buffer.from(part));
    return true;
  }

  private finishItem(): boolean {
    const text = Buffer.concat(this.item, this.itemBytes).toString('utf8');
    this.item = [];
    this.itemBytes = 0;
    return this.onItem(text);
  }
}
