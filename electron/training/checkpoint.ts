// What an interrupted run's checkpoint is, in words, for a new run under the same package name
// whose settings (or labels) differ from it: `lumen train` refuses such a run rather than delete
// the epochs done (OtherCheckpointError), and says which settings differ and how to go on. The
// app asks before it starts a run over a stopped one (TrainingPanel), so it discards instead.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readRegularText } from '../../common/node/read-file';

/** A checkpoint that holds at least one epoch, as its run.json and state.json say it (hostile files: what does not read is left out). */
export interface CheckpointSummary {
  dir: string;
  name: string;
  /** Epochs done. */
  epoch: number;
  /** Epochs asked for, or null when run.json does not say. */
  epochs: number | null;
  startedAt: string | null;
  /** run.json's `options`: the run's settings, with the labelled images as their count. */
  options: Record<string, unknown> | null;
}

/** "epoch 4 of 40 done, started …" */
export function checkpointWords(c: CheckpointSummary): string {
  return `epoch ${c.epoch}${c.epochs ? ` of ${c.epochs}` : ''} done${c.startedAt ? `, started ${c.startedAt}` : ''}`;
}

/** The settings a run is identified by (train.ts openCheckpoint's runConfig), as a user passes them to `lumen train`. */
const SETTINGS: [key: string, words: string][] = [
  ['mode', 'mode (head, --from-scratch or --fine-tune)'],
  ['variant', '--variant'],
  ['inputSize', '--resolution'],
  ['preprocessing', 'preprocessing (--window)'],
  ['augmentation', 'augmentation (--no-augment)'],
  ['fitConfig.epochs', '--epochs'],
  ['fitConfig.batchSize', '--batch-size'],
  ['fitConfig.learningRate', '--learning-rate'],
  ['fitConfig.patience', '--patience'],
  ['fitConfig.seed', '--seed'],
  ['fitConfig.schedule', 'learning-rate schedule'],
  ['backbonePackage', 'backbone weights (--backbone, by content hash)'],
  ['featureCopies', 'feature copies'],
  ['progressive', 'progressive resizing (--no-progressive)'],
  ['classNames', 'classes'],
  ['images', 'labelled images'],
];

function at(o: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
}

function shown(v: unknown): string {
  if (v === undefined || v === null) return 'none';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/**
 * The settings that differ between a checkpoint's run (`stored`, run.json's options) and this
 * one (`now`, with the images as their count), e.g. "--epochs 40 (now 6)". A checkpoint whose
 * listed settings all match differs in its labels (the same number of images, labelled
 * otherwise): said so. Values are cut to 60 characters.
 */
export function settingsDifferences(stored: Record<string, unknown> | null, now: Record<string, unknown>): string[] {
  if (!stored) return ['its settings are not recorded (run.json has none this Lumen reads)'];
  const out: string[] = [];
  for (const [key, words] of SETTINGS) {
    const a = at(stored, key);
    const b = at(now, key);
    if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) out.push(`${words} ${shown(a)} (now ${shown(b)})`);
  }
  if (out.length === 0) out.push(`the labels (the same ${shown(at(now, 'images'))} images, labelled otherwise)`);
  return out;
}

/** The checkpoint in `dir` when it holds an epoch (state.json names a weights file that is there), else null. */
export function readCheckpointSummary(dir: string): CheckpointSummary | null {
  const read = (file: string): Record<string, unknown> | null => {
    try {
      const raw = JSON.parse(readRegularText(path.join(dir, file), 'json')) as unknown;
      return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const state = read('state.json');
  if (!state || typeof state.weightsFile !== 'string' || !/^state-\d+\.bin$/.test(state.weightsFile) || !existsSync(path.join(dir, state.weightsFile))) return null;
  const epoch = Number.isInteger(state.epoch) && (state.epoch as number) > 0 ? (state.epoch as number) : 0;
  if (epoch === 0) return null;
  const run = read('run.json') ?? {};
  return {
    dir,
    name: typeof run.name === 'string' ? run.name.slice(0, 200) : path.basename(dir),
    epoch,
    epochs: Number.isInteger(run.epochs) && (run.epochs as number) > 0 ? (run.epochs as number) : null,
    startedAt: typeof run.startedAt === 'string' ? run.startedAt.slice(0, 40) : null,
    options: run.options !== null && typeof run.options === 'object' && !Array.isArray(run.options) ? (run.options as Record<string, unknown>) : null,
  };
}

/** A new run whose settings or labels differ from an interrupted run's checkpoint, refused so that its epochs are not lost. */
export class OtherCheckpointError extends Error {
  constructor(readonly checkpoint: CheckpointSummary, readonly differences: string[]) {
    super(
      `${checkpoint.dir} holds an interrupted run of ${checkpoint.name} (${checkpointWords(checkpoint)}) with other settings than this run: ${differences.join('; ')}. ` +
        `Nothing was deleted. To resume it, run the command again with its settings (run.json in that folder records them); ` +
        `to discard it and start over with these settings, add --no-resume.`,
    );
  }
}

/**
 * Where the package kept as an earlier version (moved to `<out>.versions/<hash12>/`) stands among
 * the name's versions, numbered oldest first by when each was made, as `lumen models versions`
 * numbers them.
 */
export function earlierVersionNumber(earlierDir: string): number {
  const createdAt = (dir: string): string | null => {
    try {
      const m = JSON.parse(readRegularText(path.join(dir, 'metadata.json'), 'json')) as { provenance?: { createdAt?: unknown } };
      return typeof m.provenance?.createdAt === 'string' ? m.provenance.createdAt : null;
    } catch {
      return null;
    }
  };
  const versions = path.dirname(earlierDir);
  const mine = createdAt(earlierDir) ?? '';
  let n = 0;
  for (const name of readdirSync(versions)) {
    const c = createdAt(path.join(versions, name));
    if (c !== null && (c < mine || path.join(versions, name) === earlierDir)) n++;
  }
  return Math.max(n, 1);
}
