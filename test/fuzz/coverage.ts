// Coverage feedback for the fuzzer (test/fuzz/worker.ts): V8's precise block coverage, read
// through the inspector after each input. An input is kept in the corpus when it runs a block
// of Lumen's code (or of a parser Lumen calls) that no earlier input ran, or runs one a number
// of times in a bucket not seen before (AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31,
// 32-127, 128+), so that a loop taken once more than before counts as new.
// Jazzer.js (libFuzzer) was the first choice: its 4.0.0 prebuilt addon needs glibc 2.38 (Debian
// 12 has 2.36) and its 2.x fetches the addon from GitHub or builds libFuzzer from sources it
// downloads, neither possible from the npm registry alone.
import { Session } from 'node:inspector';

interface Range {
  startOffset: number;
  endOffset: number;
  count: number;
}
interface ScriptCoverage {
  scriptId: string;
  url: string;
  functions: { functionName: string; ranges: Range[]; isBlockCoverage: boolean }[];
}

function bucket(count: number): number {
  if (count <= 3) return count;
  if (count < 8) return 4;
  if (count < 16) return 5;
  if (count < 32) return 6;
  if (count < 128) return 7;
  return 8;
}

/** Which scripts count: ours and the parsers and codecs we call; not Node's, not the fuzzer's own, not the TypeScript loader. */
export function countsForCoverage(url: string): boolean {
  if (!url.startsWith('file://')) return false;
  if (url.includes('/test/fuzz/') || url.includes('/node_modules/tsx/') || url.includes('/node_modules/esbuild/') || url.includes('/node_modules/vitest/')) return false;
  return true;
}

export class CoverageMap {
  private readonly session = new Session();
  /** Every (script, block, hit bucket) seen so far. */
  private readonly seen = new Set<string>();
  /** Blocks (without buckets) ever run, and every block V8 reported, for the figure "blocks reached of blocks known". */
  private readonly reached = new Set<string>();
  private readonly known = new Set<string>();
  private readonly scriptCounts = new Map<string, boolean>();

  constructor() {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.take(); // what loading the modules ran is not an input's
  }

  private post(method: string, params?: object): any {
    let result: any;
    let error: Error | null = null;
    // The inspector answers a session of the same thread synchronously.
    this.session.post(method, params, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  }

  private take(): ScriptCoverage[] {
    return (this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] }).result;
  }

  /** The coverage of what ran since the last call; true when it holds something not seen before (it is then remembered). */
  collect(): boolean {
    let fresh = false;
    for (const script of this.take()) {
      let counts = this.scriptCounts.get(script.scriptId);
      if (counts === undefined) {
        counts = countsForCoverage(script.url);
        this.scriptCounts.set(script.scriptId, counts);
      }
      if (!counts) continue;
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          const block = `${script.scriptId}:${r.startOffset}:${r.endOffset}`;
          this.known.add(block);
          if (r.count === 0) continue;
          const key = `${block}:${bucket(r.count)}`;
          if (!this.seen.has(key)) {
            this.seen.add(key);
            this.reached.add(block);
            fresh = true;
          }
        }
      }
    }
    return fresh;
  }

  /** Blocks run at least once, and blocks of the scripts that counted (V8 reports the blocks of functions that ran). */
  figures(): { blocks: number; knownBlocks: number; features: number } {
    return { blocks: this.reached.size, knownBlocks: this.known.size, features: this.seen.size };
  }

  stop(): void {
    this.post('Profiler.stopPreciseCoverage');
    this.session.disconnect();
  }
}
