// What Lumen tells a user before a training run that is likely to disappoint. One text for
// the app's Training panel and `lumen train`, so that both say the same.

/** Measured on held-out phantoms (README, "Training"): the reason for the warning. */
export const RANDOM_BACKBONE_EVIDENCE = 'On held-out phantoms, a B0 head on random features reached ROC AUC 0.59, while a small network trained from scratch reached 1.0.';

export const RANDOM_BACKBONE_ADVICE =
  'Instead, get ImageNet weights for this backbone (Get ImageNet weights in the app, or lumen weights import <file.h5> / lumen weights download <variant>), or train a small network from scratch (backbone custom-phi-4, mode "from scratch").';

/**
 * The warning for training only a head on a backbone that has no pretrained weights, or null
 * when the run is not that (from scratch, fine-tuning, or a backbone with weights).
 */
export function randomBackboneWarning(mode: 'head' | 'scratch' | 'finetune', hasPretrainedBackbone: boolean): string | null {
  if (mode !== 'head' || hasPretrainedBackbone) return null;
  return `The backbone has random weights, and a head trained on random features is poor. ${RANDOM_BACKBONE_EVIDENCE} ${RANDOM_BACKBONE_ADVICE}`;
}
