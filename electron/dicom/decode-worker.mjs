// Worker bootstrap: the sources are TypeScript, loaded through tsx in place
// (as bin/lumen.mjs does for the CLI), then the worker proper takes over.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
