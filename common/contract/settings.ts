/**
 * Settings and ImageNet weights: the parts of the contract behind the Settings dialog, the
 * first-run notice and "Get ImageNet weights". Settings live in <dataDir>/settings.json,
 * checked against `Settings` whenever they are read (electron/engine/settings.ts).
 */
import { z } from 'zod';
import { CT_PRESET_KEYS } from '../voi';
import { Empty, FilePath, JobStarted, request, safeText } from './define';

export const THEMES = ['dark', 'light'] as const;
/** 'auto' lets the engine pick the best available TF.js backend (models/runtime.ts). */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
/** The window a CT series opens with: the file's own, or one of the CT presets on the viewer's keys (common/voi.ts). */
export const CT_WINDOW_CHOICES = ['file', ...CT_PRESET_KEYS] as const;

/** An absolute path on any platform (common/ has no node:path). */
const AbsolutePath = safeText(z.string().max(4096)).regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, 'an absolute path');

export const Settings = z
  .object({
    theme: z.enum(THEMES).default('dark'),
    backend: z.enum(BACKEND_CHOICES).default('auto'),
    defaultWindow: z.object({ CT: z.enum(CT_WINDOW_CHOICES).default('file') }).strict().default({ CT: 'file' }),
    /**
     * Where Lumen keeps its data from the next start on; null: the platform's folder. Read from
     * the platform folder's settings.json only (LUMEN_DATA_DIR still wins).
     */
    dataFolder: AbsolutePath.nullable().default(null),
    /** The first-run welcome card was closed (its button, Esc, or the first series opened): it does not come back. */
    welcomeDismissed: z.boolean().default(false),
  })
  .strict();
export type Settings = z.infer<typeof Settings>;

export const SettingsChange = z
  .object({
    theme: Settings.shape.theme.unwrap().optional(),
    backend: Settings.shape.backend.unwrap().optional(),
    defaultWindow: z.object({ CT: z.enum(CT_WINDOW_CHOICES) }).strict().optional(),
    dataFolder: AbsolutePath.nullable().optional(),
    welcomeDismissed: z.literal(true).optional(),
  })
  .strict();

/**
 * A change as the Settings dialog sends it: the data folder as typed or pasted (in quotes, a
 * file:// URL, from ~), which the engine reads as every path box (electron/engine/access.ts
 * typedPath) before it is kept as a full path; null: the platform's folder.
 */
export const TypedSettingsChange = SettingsChange.extend({ dataFolder: FilePath.nullable().optional() }).strict();

export const SettingsState = z.object({
  settings: Settings,
  /** The file they are kept in. */
  file: z.string(),
  /** The data folder in use now (it changes at the next start when `dataFolder` says so). */
  dataDir: z.string(),
  /** The data folder the next start opens: LUMEN_DATA_DIR, else the choice kept in `dataFolderFile`, else the platform's folder. */
  nextDataDir: z.string(),
  /** Where the data folder choice is kept: the platform folder's settings.json; null while LUMEN_DATA_DIR decides. */
  dataFolderFile: z.string().nullable(),
  /** Set when settings.json could not be used: what happened and where the file was put aside. */
  notice: z.string().nullable(),
  /** Each backend choice, whether this machine can use it and why (what `lumen doctor` finds). */
  backends: z.array(z.object({ name: z.enum(BACKEND_CHOICES), available: z.boolean(), reason: z.string() })),
  /** The backend the engine runs on now. */
  activeBackend: z.string().nullable(),
});
export type SettingsState = z.infer<typeof SettingsState>;

export const IMAGENET_VARIANT_NAMES = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'] as const;

export const ImagenetWeights = z.object({
  variant: z.enum(IMAGENET_VARIANT_NAMES),
  /** The file's name as it was imported. */
  file: z.string(),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** The Keras file whose published hash it matches, or null (a changed or own file). */
  published: z.string().nullable(),
  /** One line for the user: what the hash check found. */
  check: z.string(),
  /** The backbone package training starts from. */
  packageDir: z.string(),
  importedAt: z.string(),
});
export type ImagenetWeights = z.infer<typeof ImagenetWeights>;

export const settingsRequests = {
  'settings.get': request({
    summary: 'The settings (settings.json in the data folder), with the backend choices this machine has and why.',
    input: Empty,
    output: SettingsState,
  }),
  'settings.set': request({
    summary: 'Change some settings; the others stay. Theme and window apply at once, backend and data folder at the next start.',
    input: z.object({ change: TypedSettingsChange }).strict(),
    output: SettingsState,
  }),
  'weights.list': request({
    summary: 'ImageNet weights imported into the data folder, and the published Keras files that could be downloaded.',
    input: Empty,
    output: z.object({
      imported: z.array(ImagenetWeights),
      published: z.array(z.object({ variant: z.enum(IMAGENET_VARIANT_NAMES), file: z.string(), url: z.string(), md5: z.string() })),
    }),
  }),
  'weights.import': request({
    summary: 'Import a Keras EfficientNet .h5 file (checked by its layers) as ImageNet weights (a job).',
    input: z.object({ file: FilePath, variant: z.enum(IMAGENET_VARIANT_NAMES).optional() }).strict(),
    output: JobStarted,
  }),
  'weights.download': request({
    summary: "Download a variant's published Keras file (resuming a partial one), verify its hash and import it (a job).",
    input: z.object({ variant: z.enum(IMAGENET_VARIANT_NAMES) }).strict(),
    output: JobStarted,
  }),
} as const;
