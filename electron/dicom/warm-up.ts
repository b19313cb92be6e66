// A decode thread's warm-up (pool.ts starts the viewer's workers and the pool's with it): a fresh thread pays
// its own codec start and JIT on its first frames (a 512x512 JPEG 2000 frame took 640-750 ms,
// then 230-490, 150-310, 110-175 ms, against about 50 ms warm). So each viewer thread, as soon
// as it starts, loads its WASM codecs (OpenJPEG, libjpeg 8- and 12-bit, RLE) and makes a few
// tiny frames with each through the viewer's own path (parse, decode, viewer-frame.ts), so
// that V8 has compiled and tiered up the hot code before a user opens an image. The pool's
// threads (training, feature extraction, prediction) warm the same codecs through their own
// path: the model input (model-input.ts: decode, window, resize, normalise).
//
// Off the critical path: a step at a time, each after a turn of the event loop, and never
// while the thread has a real frame to make (`busy`): a request that arrives pre-empts the
// rest of the warm-up, which goes on once the thread is idle again. The pool's threads take
// turns (`oneAtATime`): their warm-up never takes more than one core, so a job that starts
// meanwhile on the calling thread (prediction opening its model's session) keeps the others.
import { appendFileSync, existsSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { DEFAULT_NORMALISATION, parsedModelInput } from './model-input';
import { parseDicomBuffer, type ParsedDicom } from './parse';
import { warmUpHolder, type WarmUpPath } from './pool';
import { viewerFrameOf } from './viewer-frame';
import { WARM_UP_FILES } from './warm-up-frames';
import { errorLine } from '../../common/errors';

/**
 * Frames made per codec. Measured on a fresh thread's first 512x512 JPEG 2000 frames (loaded
 * 2-core VM): 4 rounds took them from 630-740 ms to 290-430 ms, 12 rounds to 180-280 ms; the
 * whole warm-up then costs the thread about 1-2 s, all of it between requests.
 */
const ROUNDS = 12;

export interface WarmUpHooks {
  /** Whether the thread has real work in hand (then the warm-up waits). */
  busy(): boolean;
  /** Resolves when the thread has no real work in hand. */
  idle(): Promise<void>;
  /** A codec warmed (ok) or failed to (why: one line, no file names); called once per codec. */
  warmed(codec: string, ok: boolean, why?: string): void;
  /**
   * A cell shared by threads that warm up one at a time: each step is taken only while it holds
   * the cell (0: free, else pool.ts's `warmUpHolder()` of the holder), which frees it for a thread that exits.
   */
  oneAtATime?: Int32Array;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Tests only: while the file named by LUMEN_TEST_HOLD_EVERY_WARM_UP exists, every thread's warm-up
// (the viewer's and the pool's) waits after its first codec, so a test can send a real frame in the middle of a warm-up without
// depending on how fast anything runs. The wait sleeps: the thread stays free for requests.
const WARM_HOLD = process.env.LUMEN_TEST_HOLD_EVERY_WARM_UP;
// Tests only: LUMEN_TEST_WARM_LOG gets a line as each step of a warm-up starts and ends, naming the thread, so a test can see that no two overlap without timing anything.
const WARM_LOG = process.env.LUMEN_TEST_WARM_LOG;
/** How often a thread waiting for its turn to warm up looks again. */
const TURN_POLL_MS = 5;

/**
 * The model inputs the pool's warm-up makes: a 64x64 frame made smaller (as a 512x512 one is
 * for a model), with either resize filter in turn, and the usual ImageNet normalisation.
 */
const MODEL_INPUT_SIZE = 32;
const modelInputOf = (parsed: ParsedDicom, round: number) =>
  parsedModelInput(parsed, 0, { ...DEFAULT_NORMALISATION, resize: round % 2 ? 'bilinear' : 'area' }, MODEL_INPUT_SIZE);

/** Warms this thread's codecs and frame path; never throws (a codec that fails is reported and skipped). */
export async function warmUpThread(hooks: WarmUpHooks, path: WarmUpPath): Promise<void> {
  for (const [index, { codec, base64 }] of WARM_UP_FILES.entries()) {
    if (index > 0) while (WARM_HOLD && existsSync(WARM_HOLD)) await sleep(20);
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    let failure: string | undefined;
    for (let round = 0; round < ROUNDS && failure === undefined; round++) {
      // A turn of the event loop first, so a request posted meanwhile is taken in, then wait for it.
      await turn();
      const cell = hooks.oneAtATime;
      for (;;) {
        while (hooks.busy()) await hooks.idle();
        // Nothing awaited between the check above and taking the turn: no request slips in between.
        if (!cell || Atomics.compareExchange(cell, 0, 0, warmUpHolder()) === 0) break;
        await sleep(TURN_POLL_MS);
      }
      if (WARM_LOG) appendFileSync(WARM_LOG, `start ${threadId}\n`);
      try {
        const parsed = parseDicomBuffer(bytes, `warm-up frame (${codec})`);
        await (path === 'viewer' ? viewerFrameOf(parsed, 0) : modelInputOf(parsed, round));
      } catch (err) {
        failure = errorLine(err, 200);
      } finally {
        if (WARM_LOG) appendFileSync(WARM_LOG, `end ${threadId}\n`);
        if (cell) Atomics.compareExchange(cell, 0, warmUpHolder(), 0);
      }
    }
    hooks.warmed(codec, failure === undefined, failure);
  }
}
