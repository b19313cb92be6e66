import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer is a plain web app: Electron loads the built files from disk,
// the browser bridge serves the same files over loopback.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  // Warnings and errors only: `npm start` and `npm run serve` run this build before the app,
  // and its banner and size table were noise in a new user's terminal.
  logLevel: 'warn',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    // Rolldown warns when plugins take much of the build's time, which on a busy machine is
    // how long React's plugin took, not a fault (seen on two shared cores in a fresh clone).
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
