// A tiny EfficientNet (compound scaling phi = -10) with a random head, for the tests that need
// a real package whose scores are only the model's own: untrained backbone weights, the dense
// head's kernel drawn from a seeded normal and its bias zero (it starts at zeros, and then
// every input would score the same), so that each image, frame or pixel gets scores of its own.
import * as tf from '@tensorflow/tfjs';
import { standaloneModel } from '../../electron/training/train';
import { createClassifier, customVariant } from '../../models';
import { savePackage, type PackageMetadata } from '../../models/package';
import { initBackend } from '../../models/runtime';

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
