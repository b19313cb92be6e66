// How many series a suggestion names, and how many images of each it scores, unless asked
// otherwise: apart from suggest.ts (which loads TF.js), so that `lumen suggest` can state and
// check them before it loads the training stack.
export const DEFAULT_SUGGESTIONS = 20;
export const DEFAULT_IMAGES_PER_SERIES = 8;
