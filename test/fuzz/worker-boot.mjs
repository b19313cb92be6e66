// The fuzz worker from its TypeScript sources (a worker thread does not inherit tsx's loader).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
