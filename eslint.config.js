// Lint guards the direction of imports (docs/ARCHITECTURE.md, "Folders and what they may import").
// Each rule says why it exists; `npm run lint` fails on any violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

const nodeBuiltins = {
  group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'net', 'http', 'https', 'url', 'stream', 'zlib', 'util', 'events'],
  message: 'The renderer runs in a sandboxed web page: no Node built-ins. Ask the app through window.lumen (common/contract.ts).',
};

// The layers of the Node side, lowest first. Each folder may import itself and
// the folders listed for it, nothing else of ours; packages (node_modules) are
// free here (other rules below restrict electron, Node built-ins and SQLite).
// A folder not in this table gets the default-deny block at the end, so a new
// folder cannot escape the rules: add it here, with its reason, and to
// docs/ARCHITECTURE.md. test/ may import anything.
const COMMON = ['./common'];
const MODELS = [...COMMON, './models'];
const DICOM = [...MODELS, './electron/dicom'];
const LIBRARY = [...DICOM, './electron/library'];
const TRAINING = [...LIBRARY, './electron/training'];
const RESULTS = [...TRAINING, './electron/results'];
const PACS = [...RESULTS, './electron/pacs'];
const ENGINE = [...PACS, './electron/engine'];
const SERVE = [...ENGINE, './electron/serve'];
const CLI = [...SERVE, './electron/cli', './bench/index.ts'];
const BENCH = [...CLI, './bench', './test/support'];
export const LAYERS = [
  { folder: './common', may: [...COMMON, './package.json'], why: 'common/ is shared by every side: it imports none of our other folders.' },
  { folder: './models', may: MODELS, why: 'models/ is plain TypeScript on TF.js and ONNX Runtime: it depends on nothing of ours but common/.' },
  { folder: './electron/dicom', may: DICOM, why: 'The DICOM layer (parsing, decoding, the pixel pipeline, model input) sits on common/ and models/ only: never on the library, training, the engine or the CLI.' },
  { folder: './electron/library', may: LIBRARY, why: 'The library (SQLite) builds on the DICOM layer; training, the engine and the CLI build on it, not the other way round.' },
  { folder: './electron/training', may: TRAINING, why: 'Training uses the library, the DICOM layer and models/; the engine and the CLI call it, never the reverse.' },
  { folder: './electron/results', may: RESULTS, why: 'Results written back (SR, exports) read the library and training; only the engine and the CLI call them.' },
  { folder: './electron/pacs', may: PACS, why: 'PACS connections, query, retrieve and receive file what they fetch through the library (and will send what results/ writes); only the engine and the CLI call them.' },
  { folder: './electron/engine', may: ENGINE, why: 'The engine hosts the layers below it; it never imports the bridge, the CLI or the Electron shell.' },
  { folder: './electron/serve', may: SERVE, why: 'The bridge talks to the engine through EngineHost; it never imports the CLI or the Electron shell.' },
  { folder: './electron/cli', may: CLI, why: 'The CLI calls the layers below it and dispatches `lumen bench` into bench/index.ts only.' },
  { folder: './bench', may: BENCH, why: 'Benchmarks measure the product and use test/support/ generators; product code never imports them (except the CLI entry, bench/index.ts).' },
  { folder: './electron/main', may: [...COMMON, './electron/main', './electron/engine/host.ts', './electron/engine/protocol.ts', './electron/engine/spawn.ts', './electron/library/paths.ts'], why: 'The Electron shell reaches the engine only through EngineHost (and the data folder\'s location): all work runs in the engine process.' },
  { folder: './electron/preload', may: [...COMMON, './electron/preload'], why: 'The preload exposes the contract and nothing else.' },
  { folder: './renderer', may: [...COMMON, './renderer'], why: 'The renderer is web content: it reaches the app only through the contract in common/.' },
  { folder: './bin', may: ['./bin', './electron/cli'], why: 'bin/lumen.mjs starts the CLI and nothing else.' },
  { folder: './scripts', may: ['./scripts'], why: 'Build scripts run before the code they build exists.' },
  { folder: './build', may: ['./build'], why: 'Packaging hooks (electron-builder) run on the built files, not on the sources.' },
];
// Files lint knows where to place; anything else is refused (default deny).
const KNOWN_FILES = [...LAYERS.map((l) => `${l.folder.slice(2)}/**`), 'test/**', '*.{js,mjs,cjs,ts}'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'coverage/', 'renderer/dist/', 'native/', 'test/fixtures/lint/**'] },
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
  {
    // Import directions between our folders (LAYERS above) and no import cycles.
    files: ['**/*.{ts,tsx,mts,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.json'] })],
      // no-cycle reads the imported files itself: it must know they are ours and how to parse TypeScript.
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
    },
    rules: {
      'import-x/no-restricted-paths': ['error', {
        basePath: import.meta.dirname,
        zones: LAYERS.map((l) => ({ target: l.folder, from: '.', except: [...l.may, './node_modules'], message: l.why })).concat([
          { target: ['./common/*.ts', './common/contract/**', './common/plots/**'], from: './common/node', message: 'common/node/ is the Node-only part of common/: the rest of common/ compiles for the renderer too and cannot import it.' },
        ]),
      }],
      // A cycle makes load order decide what is defined; shared pieces move down into their own module instead.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Default deny: a file outside every folder LAYERS knows fails lint until its folder is placed there.
    files: ['**/*.{ts,tsx,mts,js,mjs,cjs}'],
    ignores: KNOWN_FILES,
    rules: {
      'no-restricted-syntax': ['error', { selector: 'Program', message: 'This folder has no place in the import rules: add it to LAYERS in eslint.config.js (what it may import, and why) and to docs/ARCHITECTURE.md.' }],
    },
  },
);
