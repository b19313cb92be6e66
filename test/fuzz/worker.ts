// One fuzz target's run, in a worker thread of its own (test/fuzz/main.ts starts it and watches
// it): seeds, then mutations of the corpus, each input's coverage read from V8 and the input
// kept when it reached something new. Before each input its bytes go into shared memory, so a
// hang (the worker stops counting) is saved by the thread that watches.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { CoverageMap } from './coverage';
import { Mutator } from './mutate';
import { Finding, fuzzTargets } from './targets';

export interface WorkerInput {
  target: string;
  seconds: number;
  seed: number;
  out: string;
  /** Int32 [0]: inputs run, [1]: the current input's length; then its bytes. */
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { kind: 'ready'; seeds: number; corpus: number }
  | { kind: 'progress'; execs: number; corpus: number; blocks: number }
  | { kind: 'finding'; signature: string; detail: string; file: string; fresh: boolean }
  | { kind: 'done'; execs: number; seconds: number; corpus: number; blocks: number; knownBlocks: number; features: number; largestRssMiB: number };

export const SHARED_HEADER = 8;
/** Grows the process past this and the input that did it is a finding (a memory blow-up). */
const RSS_LIMIT = 1536 * 1024 * 1024;

const sha = (b: Uint8Array) => createHash('sha1').update(b).digest('hex').slice(0, 16);

/** Text as bytes: Latin-1 when every character fits one byte (binary words such as DICOM tags), else UTF-8. */
export function wordBytes(word: string): Uint8Array {
  return [...word].every((c) => c.charCodeAt(0) < 256) ? Uint8Array.from(word, (c) => c.charCodeAt(0)) : new TextEncoder().encode(word);
}

/** What tells two findings apart: the detail without its numbers, and where it was thrown. */
export function signatureOf(err: unknown): { signature: string; detail: string } {
  if (err instanceof Finding) return { signature: `finding: ${err.signature ?? err.message.replace(/\d+/g, 'N').slice(0, 120)}`, detail: err.message };
  if (err instanceof Error) {
    const frame = (err.stack ?? '').split('\n').find((l) => l.includes('file://') || l.includes('/')) ?? '';
    return { signature: `${err.name}: ${err.message.replace(/\d+/g, 'N').slice(0, 100)} ${frame.trim().replace(/:\d+:\d+\)?$/, '')}`, detail: `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 8).join('\n')}` };
  }
  return { signature: `thrown ${typeof err}`, detail: `thrown ${typeof err}: ${String(err).slice(0, 300)}` };
}

async function main(input: WorkerInput): Promise<void> {
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  const target = fuzzTargets().find((t) => t.name === input.target);
  if (!target) throw new Error(`no fuzz target "${input.target}"`);
  const work = path.join(input.out, 'work', target.name);
  const corpusDir = path.join(input.out, 'corpus', target.name);
  const findingsDir = path.join(input.out, 'findings', target.name);
  for (const d of [work, corpusDir, findingsDir]) mkdirSync(d, { recursive: true });
  const seeds = await target.setup(work);
  const saved = readdirSync(corpusDir).map((f) => new Uint8Array(readFileSync(path.join(corpusDir, f))));
  const counts = new Int32Array(input.shared, 0, 2);
  const current = new Uint8Array(input.shared, SHARED_HEADER);
  const known = new Set<string>();
  for (const f of readdirSync(findingsDir)) if (f.endsWith('.txt')) known.add(readFileSync(path.join(findingsDir, f), 'utf8').split('\n')[0]);

  const coverage = new CoverageMap();
  const mutator = new Mutator(input.seed, target.dictionary.map(wordBytes), target.maxLength);
  const corpus: Uint8Array[] = [];
  let execs = 0;
  let largestRss = process.memoryUsage().rss;

  const runOne = async (bytes: Uint8Array): Promise<boolean> => {
    const n = Math.min(bytes.length, current.length);
    current.set(bytes.subarray(0, n));
    Atomics.store(counts, 1, n);
    try {
      await target.run(bytes);
    } catch (err) {
      report(err, bytes);
    }
    execs++;
    Atomics.store(counts, 0, execs);
    if ((execs & 63) === 0) {
      const rss = process.memoryUsage().rss;
      largestRss = Math.max(largestRss, rss);
      if (rss > RSS_LIMIT) report(new Finding(`memory: the process grew to ${Math.round(rss / 2 ** 20)} MiB`), bytes);
    }
    return coverage.collect();
  };

  const report = (err: unknown, bytes: Uint8Array) => {
    const { signature, detail } = signatureOf(err);
    const file = path.join(findingsDir, sha(bytes));
    const fresh = !known.has(signature);
    if (fresh) {
      known.add(signature);
      writeFileSync(`${file}.bin`, bytes);
      writeFileSync(`${file}.txt`, `${signature}\n\n${detail}\n`);
    }
    post({ kind: 'finding', signature, detail, file: `${file}.bin`, fresh });
  };

  const keep = (bytes: Uint8Array) => {
    corpus.push(bytes);
    const file = path.join(corpusDir, sha(bytes));
    if (!existsSync(file)) writeFileSync(file, bytes);
  };

  const started = performance.now();
  for (const s of [...seeds, ...saved]) if ((await runOne(s)) || corpus.length === 0) keep(s);
  for (const s of seeds) if (!corpus.includes(s)) corpus.push(s);
  post({ kind: 'ready', seeds: seeds.length, corpus: corpus.length });

  const deadline = started + input.seconds * 1000;
  let lastProgress = performance.now();
  while (performance.now() < deadline) {
    // Newer inputs more often: they are the ones that found something.
    const at = mutator.int(2) ? corpus.length - 1 - mutator.int(Math.min(corpus.length, 16)) : mutator.int(corpus.length);
    const next = mutator.mutate(corpus[at], mutator.pick(corpus));
    if (await runOne(next)) keep(next);
    if (performance.now() - lastProgress > 2000) {
      lastProgress = performance.now();
      post({ kind: 'progress', execs, corpus: corpus.length, blocks: coverage.figures().blocks });
    }
  }
  const figures = coverage.figures();
  coverage.stop();
  post({ kind: 'done', execs, seconds: (performance.now() - started) / 1000, corpus: corpus.length, ...figures, largestRssMiB: Math.round(largestRss / 2 ** 20) });
}

if (parentPort && workerData) {
  main(workerData as WorkerInput).catch((err) => {
    // The target's setup failed: the watching thread reports it and goes on with the next target.
    parentPort!.postMessage({ kind: 'setup-failed', detail: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exit(1);
  });
}
