// What Lumen tells a user before a training run that is likely to disappoint. One text for
// the app's Training panel and `lumen train`, so that both say the same.

/** Measured on held-out phantoms (README, "Training"): the reason for the warning. */
export const RANDOM_BACKBONE_EVIDENCE = 'On held-out phantoms, a B0 head on random features reached ROC AUC 0.59, while a small network trained from scratch reached 1.0.';

/** The backbone and resolution Lumen suggests for training from scratch (README, "Training"). */
export const SCRATCH_VARIANT = 'custom-phi-10';
export const SCRATCH_RESOLUTION = 32;

export const RANDOM_BACKBONE_ADVICE =
  `Instead, get ImageNet weights for this backbone (Get ImageNet weights in the app, or lumen weights import <file.h5> / lumen weights download <variant>), or train a small network from scratch (backbone ${SCRATCH_VARIANT}, listed in the app as "tiny (φ = −10)", mode "from scratch", resolution ${SCRATCH_RESOLUTION}).`;

/**
 * The warning for training only a head on a backbone that has no pretrained weights, or null
 * when the run is not that (from scratch, fine-tuning, or a backbone with weights).
 */
export function randomBackboneWarning(mode: 'head' | 'scratch' | 'finetune', hasPretrainedBackbone: boolean, where: 'cli' | 'app' = 'cli'): string | null {
  if (mode !== 'head' || hasPretrainedBackbone) return null;
  return `The backbone has random weights, and a head trained on random features is poor. ${RANDOM_BACKBONE_EVIDENCE} ${where === 'app' ? RANDOM_BACKBONE_ADVICE_APP : RANDOM_BACKBONE_ADVICE}`;
}

/** The same advice in the Training panel's words: its button and its fields, no commands. */
export const RANDOM_BACKBONE_ADVICE_APP =
  `Instead, get ImageNet weights for this backbone (the Get ImageNet weights button below), or train a small network from scratch: Backbone "tiny (φ = −10)", Mode "From scratch", Resolution ${SCRATCH_RESOLUTION}.`;

/** Patients a class needs for a patient-level split: one each for training, validation and test. */
export const MIN_PATIENTS_TO_SPLIT = 3;
/** Patients per class below which test metrics are very uncertain. */
export const FEW_PATIENTS = 10;

/**
 * What a class's number of patients means for training, or null when it is enough: the
 * Training panel's label overview and the dataset preview (electron/training/dataset.ts) say
 * the same.
 */
export function classPatientsWarning(className: string, patients: number): string | null {
  const some = `${patients} patient${patients === 1 ? '' : 's'}`;
  if (patients < MIN_PATIENTS_TO_SPLIT) {
    return `Class "${className}" has only ${some}: a patient-level split needs at least ${MIN_PATIENTS_TO_SPLIT} (one each for training, validation and test); label more patients of this class.`;
  }
  if (patients < FEW_PATIENTS) return `Class "${className}" has only ${some}: its metrics will be very uncertain (aim for at least ${FEW_PATIENTS} per class, better 50).`;
  return null;
}

/** Patients held out for testing below which test results warn that they rest on too few. */
export const FEW_TEST_PATIENTS = 10;

/**
 * The warning under test results from fewer than FEW_TEST_PATIENTS held-out patients (those
 * scored and those left out for mixed labels), or null: one text for the app's Results view,
 * the HTML report, the model card and `lumen eval`.
 */
export function fewTestPatientsWarning(patients: number): string | null {
  if (patients >= FEW_TEST_PATIENTS) return null;
  return `Only ${patients} patient${patients === 1 ? '' : 's'} held out for testing: one patient more or less moves these figures a lot, and resampling so few can give an interval narrower than the evidence (even 1.000–1.000). Label more patients before trusting them.`;
}

/** What a package's training-domain record is for, said above its lines in the HTML report and the app's Results view. */
export const TRAINING_DOMAIN_NOTE = 'What the model was trained on (the training split): predictions on images unlike it carry a warning. It is a check, not a guarantee.';
