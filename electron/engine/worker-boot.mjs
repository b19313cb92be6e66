// Development entry for the engine worker: load the TypeScript sources with
// tsx (the packaged app bundles worker.ts to one file instead).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
