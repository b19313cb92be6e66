// Lint guards the direction of imports (see DESIGN.md "Processes and folders").
// Each rule says why it exists; `npm run lint` fails on any violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = {
  group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'net', 'http', 'https', 'url', 'stream', 'zlib', 'util', 'events'],
  message: 'The renderer runs in a sandboxed web page: no Node built-ins. Ask the app through window.lumen (common/contract.ts).',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'coverage/', 'renderer/dist/', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The renderer is untrusted web content: it talks to the app only through the contract.
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'The renderer never imports electron: use window.lumen (the preload/bridge API).' }],
        patterns: [
          nodeBuiltins,
          { group: ['**/electron/**', '**/models/**', '../models', '../../models', '../../../models'], message: 'The renderer may import only common/ (and web packages); models and the Node side run in the engine.' },
          { group: ['**/common/node/**', '**/common/node'], message: 'common/node/ runs under Node only; the renderer may import the rest of common/.' },
        ],
      }],
    },
  },
  {
    // models/ is plain TypeScript on TF.js / ONNX Runtime, usable from the CLI, the worker and tests.
    files: ['models/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'electron', message: 'models/ never imports electron: it must run under plain Node.' },
          { name: 'react', message: 'models/ has no UI.' },
          { name: 'react-dom', message: 'models/ has no UI.' },
        ],
        patterns: [{ group: ['**/electron/**', '**/renderer/**'], message: 'models/ depends on nothing of ours but common/.' }],
      }],
    },
  },
  {
    // common/ is shared by both sides, so it may depend on none of them.
    // common/node/ (as VS Code's base/node) is the Node-only part: file-system
    // safety that electron/ and models/ both need; it may use Node built-ins.
    files: ['common/**/*.ts'],
    ignores: ['common/node/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'common/ runs on both sides: no electron.' }],
        patterns: [
          { group: ['**/electron/**', '**/renderer/**', '../models/**', '../../models/**', '../models', '../../models'], message: 'common/ imports none of our other folders.' },
          nodeBuiltins,
        ],
      }],
    },
  },
  {
    // common/node/ runs under Node on both the engine and the models side: no electron, none of our other folders.
    files: ['common/node/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'common/node/ runs under plain Node: no electron.' }],
        patterns: [{ group: ['**/electron/**', '**/renderer/**', '**/models/**', '../../models', '../../../models'], message: 'common/node/ imports only common/ and Node built-ins.' }],
      }],
    },
  },
  {
    // Only electron/main touches Electron; everything else runs under plain Node (CLI, tests, bridge).
    files: ['electron/engine/**/*.ts', 'electron/dicom/**/*.ts', 'electron/library/**/*.ts', 'electron/cli/**/*.ts', 'electron/serve/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only electron/main (and the preload) may import electron.' }],
        patterns: [{ group: ['**/renderer/**'], message: 'Nothing imports the renderer.' }],
      }],
    },
  },
  {
    // Tests mirror the source tree: test/renderer/ tests the renderer's pure modules (geometry,
    // formatting, filters) under Node, so it may import them; Electron stays off limits.
    files: ['test/renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/main (and the preload) may import electron.' }] }],
    },
  },
  {
    // A compiled addon loads only in the runtime it was built for; the system Node,
    // Node 24 and Electron each have their own build (native/, npm run native).
    files: ['electron/**/*.ts', 'models/**/*.ts', 'bench/**/*.ts'],
    ignores: ['electron/library/sqlite.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'better-sqlite3', allowTypeImports: true, message: 'Open SQLite with openDatabase (electron/library/sqlite.ts): it loads the better-sqlite3 build made for the runtime that runs it, and says how to fix a missing one.' }],
      }],
    },
  },
);
