// A tiny EfficientNet (compound scaling phi = -10) with a random head, for the tests that need
// a real package whose scores are only the model's own: untrained backbone weights, the dense
// head's kernel drawn from a seeded normal and its bias zero (it starts at zeros, and then
// every input would score the same), so that each image, frame or pixel gets scores of its own.
import * as tf from '@tensorflow/tfjs';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { standaloneModel } from '../../electron/training/train';
import { createClassifier, customVariant } from '../../models';
import { savePackage, type PackageMetadata } from '../../models/package';
import { contentHash } from '../../models/package/package';
import { initBackend } from '../../models/runtime';
import { tinyNet } from '../models/onnx-helpers';

export interface RandomHead {
  classes: number;
  inputSize: number;
  /** The classifier's (backbone's) seed. */
  seed: number;
  /** The head kernel's standard deviation and seed. */
  sd: number;
  headSeed: number;
}

/** The standalone model (image in, scores out) of a random-head phi -10 classifier; the caller disposes it. */
export async function randomHeadModel(head: RandomHead): Promise<tf.LayersModel> {
  await initBackend('cpu');
  const spec = customVariant({ phi: -10 });
  const classifier = createClassifier({ variant: spec, classes: head.classes, inputSize: head.inputSize, seed: head.seed });
  try {
    const logits = classifier.model.getLayer('logits');
    const [kernel, bias] = logits.getWeights();
    const random = [tf.randomNormal(kernel.shape, 0, head.sd, 'float32', head.headSeed), tf.zerosLike(bias)];
    logits.setWeights(random);
    tf.dispose(random);
    return standaloneModel(classifier, spec, head.inputSize);
  } finally {
    classifier.dispose();
  }
}

/** Saves a random-head model (randomHeadModel, two classes unless `classNames` say otherwise) as the package `dir`; returns its metadata. */
export async function saveRandomHeadPackage(
  dir: string,
  head: Omit<RandomHead, 'classes'>,
  meta: { name: string; classNames: string[]; preprocessing: PackageMetadata['preprocessing'] },
): Promise<PackageMetadata> {
  const model = await randomHeadModel({ ...head, classes: meta.classNames.length });
  try {
    return await savePackage(dir, model, { ...meta, variant: 'custom-phi-10', inputSize: head.inputSize, task: 'multiclass', provenance: {} });
  } finally {
    model.dispose();
  }
}

/** Saves the smallest TF.js package there is (tinyNet: 32 px, two classes) as `dir`, for tests of the package files themselves. */
export async function saveTinyNetPackage(dir: string, name: string): Promise<void> {
  const model = tinyNet({ size: 32, classes: 2 });
  try {
    await savePackage(dir, model, {
      name,
      variant: 'b0',
      inputSize: 32,
      preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] },
      classNames: ['a', 'b'],
      task: 'multiclass',
      provenance: {},
    });
  } finally {
    model.dispose();
  }
}

/**
 * A copy of the package `good` at `dest` with `change` applied to its folder, and its content
 * hash made to match again: what an attacker hands over (anyone can recompute the hash; it
 * proves the files are intact, not who made them).
 */
export function rehashedCopy(good: string, dest: string, change: (pkgDir: string) => void): string {
  cpSync(good, dest, { recursive: true });
  change(dest);
  const file = path.join(dest, 'metadata.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  m.contentHash = contentHash(dest, m);
  writeFileSync(file, JSON.stringify(m));
  return dest;
}
