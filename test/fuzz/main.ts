// `npm run fuzz -- [--seconds N] [--target a,b] [--seed N] [--out DIR]`: coverage-guided fuzzing
// of every parser that reads hostile input (test/fuzz/targets.ts), one target after another,
// each for N seconds (60 by default) in a worker thread of its own. The corpus and the findings
// (the input and what went wrong) are kept under DIR (test-results/fuzz), so a second run goes
// on from the first's corpus. Prints inputs/s, the corpus, the blocks reached and each finding;
// exits 1 when something was found. Not part of `npm test`: the regressions it found are
// (test/fuzz/regressions.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { fuzzTargets } from './targets';
import { SHARED_HEADER, type WorkerInput, type WorkerMessage } from './worker';

/** An input that runs longer than this is a hang (generous: the machine may be shared). */
const HANG_SECONDS = 20;
const SHARED_BYTES = 512 * 1024;

interface TargetReport {
  target: string;
  seconds: number;
  execs: number;
  execsPerSecond: number;
  corpus: number;
  blocks: number;
  knownBlocks: number;
  largestRssMiB: number;
  findings: { signature: string; file: string }[];
}

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

/** One target for `seconds`: restarted after a hang or a crash of the worker, until its time is up. */
async function fuzzTarget(name: string, seconds: number, seed: number, out: string, say: (line: string) => void): Promise<TargetReport> {
  const report: TargetReport = { target: name, seconds: 0, execs: 0, execsPerSecond: 0, corpus: 0, blocks: 0, knownBlocks: 0, largestRssMiB: 0, findings: [] };
  const end = Date.now() + seconds * 1000;
  let round = 0;
  while (Date.now() < end - 1000) {
    const shared = new SharedArrayBuffer(SHARED_HEADER + SHARED_BYTES);
    const counts = new Int32Array(shared, 0, 2);
    const data: WorkerInput = { target: name, seconds: Math.max(1, (end - Date.now()) / 1000), seed: seed + round++, out, shared };
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const finished = await new Promise<'done' | 'hang' | 'died' | 'setup-failed'>((resolve) => {
      let ready = false;
      let last = -1;
      let still = 0;
      const watch = setInterval(() => {
        if (!ready) return;
        const now = Atomics.load(counts, 0);
        still = now === last ? still + 1 : 0;
        last = now;
        if (still >= HANG_SECONDS) {
          clearInterval(watch);
          void worker.terminate();
          resolve('hang');
        }
      }, 1000);
      worker.on('message', (m: WorkerMessage | { kind: 'setup-failed'; detail: string }) => {
        if (m.kind === 'ready') {
          ready = true;
          say(`  ${name}: ${m.seeds} seeds, corpus ${m.corpus}`);
        } else if (m.kind === 'progress') say(`  ${name}: ${m.execs} inputs, corpus ${m.corpus}, ${m.blocks} blocks`);
        else if (m.kind === 'finding') {
          if (m.fresh) {
            report.findings.push({ signature: m.signature, file: m.file });
            say(`  ${name}: FOUND ${m.signature}\n    ${m.detail.split('\n').slice(0, 4).join('\n    ')}\n    input: ${m.file}`);
          }
        } else if (m.kind === 'done') {
          report.seconds += m.seconds;
          report.execs += m.execs;
          report.corpus = m.corpus;
          report.blocks = Math.max(report.blocks, m.blocks);
          report.knownBlocks = Math.max(report.knownBlocks, m.knownBlocks);
          report.largestRssMiB = Math.max(report.largestRssMiB, m.largestRssMiB);
        } else if (m.kind === 'setup-failed') say(`  ${name}: could not start: ${m.detail}`);
      });
      worker.on('exit', (code) => {
        clearInterval(watch);
        resolve(code === 0 ? 'done' : ready ? 'died' : 'setup-failed');
      });
      worker.on('error', (err) => say(`  ${name}: the worker failed: ${err.stack ?? err.message}`));
    });
    if (finished === 'hang' || finished === 'died') {
      const n = Atomics.load(counts, 1);
      const bytes = new Uint8Array(shared, SHARED_HEADER, n).slice();
      const file = path.join(out, 'findings', name, `${finished}-${Date.now()}.bin`);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      const signature = finished === 'hang' ? `hang: an input ran longer than ${HANG_SECONDS} s` : 'the worker died (out of memory, or a native crash)';
      report.findings.push({ signature, file });
      say(`  ${name}: FOUND ${signature}\n    input: ${file}`);
    }
    if (finished === 'done' || finished === 'setup-failed') break;
  }
  report.execsPerSecond = report.seconds > 0 ? Math.round(report.execs / report.seconds) : 0;
  return report;
}

async function main(argv: string[]): Promise<number> {
  const seconds = Number(option(argv, 'seconds') ?? 60);
  const seed = Number(option(argv, 'seed') ?? 1);
  const out = path.resolve(option(argv, 'out') ?? 'test-results/fuzz');
  const targets = fuzzTargets();
  const all = targets.map((t) => t.name);
  const chosen = option(argv, 'target')?.split(',') ?? all;
  const unknown = chosen.filter((t) => !all.includes(t));
  if (!Number.isFinite(seconds) || seconds < 1 || !Number.isInteger(seed) || unknown.length) {
    process.stderr.write(`usage: npm run fuzz -- [--seconds N (at least 1)] [--target ${all.join(',')}] [--seed N] [--out DIR]${unknown.length ? `\nno such target: ${unknown.join(', ')}` : ''}\n`);
    return 2;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const reports: TargetReport[] = [];
  for (const name of chosen) {
    say(`${name}: ${seconds} s`);
    await targets.find((t) => t.name === name)?.prepare?.(out);
    reports.push(await fuzzTarget(name, seconds, seed, out, say));
  }
  say('\ntarget            inputs  inputs/s  corpus  blocks reached  findings');
  for (const r of reports) say(`${r.target.padEnd(16)} ${String(r.execs).padStart(7)} ${String(r.execsPerSecond).padStart(9)} ${String(r.corpus).padStart(7)} ${`${r.blocks} of ${r.knownBlocks}`.padStart(15)} ${String(r.findings.length).padStart(9)}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'summary.json'), JSON.stringify(reports, null, 2));
  say(`\ncorpus and findings: ${out}`);
  return reports.some((r) => r.findings.length) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
