/**
 * The PACS part of the contract (the app's PACS tab and its settings): connections
 * (pacs.json in the data folder, secrets apart), a connection test, query, a study's
 * series, retrieve into the library (a job), and the C-STORE receiver's switch.
 * Secrets go in (pacs.save) and never come back: a listed connection says only
 * whether its secret is saved.
 */
import { z } from 'zod';
import { Empty, JobStarted, request, SendableUid, Text } from './define';

export const PacsName = z.string().max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a connection name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
/** An AE title: 1–16 printable ASCII characters, no backslash, no leading or trailing space (PS3.5 AE). */
export const AeTitle = z
  .string()
  .max(16)
  .regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'an AE title is 1–16 printable ASCII characters without a backslash')
  .refine((s) => s.trim().length > 0 && s === s.trim(), 'an AE title has no leading or trailing spaces');
const Port = z.number().int().min(1).max(65535);
const Host = z.string().min(1).max(253).regex(/^[A-Za-z0-9.:[\]_-]+$/, 'a host name or IP address');

export const PacsSecret = z.union([
  z.object({ user: Text(256).min(1), password: Text(4096) }).strict(),
  z.object({ bearer: Text(65536).min(1) }).strict(),
]);
export type PacsSecret = z.infer<typeof PacsSecret>;

/**
 * How many studies one query lists, and series one study, unless a connection says otherwise
 * (`maxStudies`, `maxSeries`); what the PACS has beyond them is not read, and the list says so.
 * `most` bounds what a connection may ask for, so that memory stays bounded whatever the PACS
 * holds: each listed value is cut to its VR's length (electron/pacs/query.ts studyMatch), and
 * 50,000 studies measured 16 MiB of the engine's heap with typical values and 190 MiB at worst
 * (every value at full length, non-Latin text), and the page holds the list again. A QIDO-RS
 * answer is read no further than 64 MiB either way (electron/pacs/dicomweb.ts).
 */
export const QUERY_CAPS = { studies: 5_000, series: 10_000, most: 50_000 } as const;
/** A connection's cap on one query's studies or one study's series (absent: QUERY_CAPS). */
export const QueryCap = z
  .number()
  .int('a whole number')
  .min(1, 'at least 1')
  .max(QUERY_CAPS.most, `at most ${QUERY_CAPS.most}`);
const Caps = { maxStudies: QueryCap.optional(), maxSeries: QueryCap.optional() };

const DicomWebSettings = z.object({ name: PacsName, kind: z.literal('dicomweb'), url: Text(2048).min(1), auth: z.enum(['none', 'basic', 'bearer']), ...Caps }).strict();
const DimseSettings = z.object({ name: PacsName, kind: z.literal('dimse'), calledAet: AeTitle, host: Host, port: Port, callingAet: AeTitle, ...Caps }).strict();
export const PacsConnectionSettings = z.discriminatedUnion('kind', [DicomWebSettings, DimseSettings]);
export type PacsConnectionSettings = z.infer<typeof PacsConnectionSettings>;

/** A connection as the renderer sees it: `secret` says whether one is saved, never what it is. */
export const PacsConnectionInfo = z.discriminatedUnion('kind', [
  DicomWebSettings.extend({ secret: z.enum(['none', 'saved', 'missing']), user: z.string().nullable() }),
  DimseSettings.extend({ secret: z.literal('none'), user: z.null() }),
]);
export type PacsConnectionInfo = z.infer<typeof PacsConnectionInfo>;

/**
 * The secret of the named connection, put in by the Electron main process from its
 * safeStorage store (electron/main/pacs-credentials.ts); without it the engine reads
 * pacs-credentials.json (the browser bridge, the CLI).
 */
const Sealed = { credentials: PacsSecret.optional() };

/** A query value: a backslash would split it into several DICOM values. */
const QueryText = Text(64).regex(/^[^\\]*$/, 'a backslash separates DICOM values: leave it out');
export const PacsQuery = z
  .object({
    patientName: QueryText.optional(),
    patientId: QueryText.optional(),
    /** YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD. */
    studyDate: Text(17).optional(),
    modality: z.string().max(16).regex(/^[A-Za-z0-9_]*$/, 'a modality is letters and digits, like CT').optional(),
    accession: QueryText.optional(),
    description: QueryText.optional(),
  })
  .strict();
export type PacsQuery = z.infer<typeof PacsQuery>;

export const PacsStudy = z.object({
  studyInstanceUid: z.string(),
  patientId: z.string(),
  patientName: z.string(),
  studyDate: z.string(),
  studyDescription: z.string(),
  accessionNumber: z.string(),
  modalities: z.array(z.string()),
  series: z.number().nullable(),
  instances: z.number().nullable(),
  /** Instances of this study the library holds now. */
  inLibrary: z.number(),
});
export type PacsStudy = z.infer<typeof PacsStudy>;

export const PacsSeries = z.object({
  seriesInstanceUid: z.string(),
  modality: z.string(),
  seriesNumber: z.number().nullable(),
  seriesDescription: z.string(),
  instances: z.number().nullable(),
  inLibrary: z.number(),
});
export type PacsSeries = z.infer<typeof PacsSeries>;

/** What a retrieve job ends with (electron/pacs/retrieve.ts RetrieveReport). */
export const PacsRetrieveReport = z.object({
  pacs: z.string(),
  study: z.string(),
  series: z.string().nullable(),
  listed: z.number(),
  received: z.number(),
  /** The images (frames) the received instances hold: a multi-frame instance is one file, many images. */
  receivedImages: z.number(),
  /** Of `received`, the result documents (SR, Parametric Map), which hold no image. */
  receivedResults: z.number().default(0),
  alreadyPresent: z.number(),
  alreadyPresentImages: z.number(),
  /** Of `alreadyPresent`, the result documents the library held. */
  alreadyPresentResults: z.number().default(0),
  failed: z.number(),
  /** Listed instances not fetched because the retrieve stopped first: not failed; retrieving again fetches them. */
  notFetched: z.number().default(0),
  errors: z.array(z.object({ sopInstanceUid: z.string().nullable(), reason: z.string() })),
  stopped: z.string().nullable(),
  seconds: z.number(),
});
export type PacsRetrieveReport = z.infer<typeof PacsRetrieveReport>;

/**
 * What a send job ends with (electron/pacs/send.ts SendReport, by SOP Instance UID instead of path), a
 * cancelled one included: `cancelled`, `stopped` "cancelled", and the documents after the one in flight notSent.
 */
export const PacsSendReport = z.object({
  pacs: z.string(),
  protocol: z.enum(['STOW-RS', 'C-STORE']),
  stored: z.number(),
  failed: z.number(),
  /** `notSent`: the send stopped before this document; its reason is `stopped`, said there once. */
  documents: z.array(z.object({ sopInstanceUid: z.string(), status: z.enum(['stored', 'failed', 'skipped']), reason: z.string().nullable(), notSent: z.literal(true).optional() })),
  stopped: z.string().nullable(),
  /** The user cancelled it: what was sent before is stored, the rest notSent. */
  cancelled: z.boolean(),
});
/** What a send job's progress events carry besides the message ("Sending 12 of 240 results to ORTHANC…"): documents handled of all. */
export const PacsSendProgress = z.object({ done: z.number().int().min(0), total: z.number().int().min(1) });
export type PacsSendProgress = z.infer<typeof PacsSendProgress>;
export type PacsSendReport = z.infer<typeof PacsSendReport>;

/** The receiver's settings (pacs-receiver.json in the data folder). */
export const ReceiverSettings = z
  .object({
    aet: AeTitle,
    port: Port,
    /** 127.0.0.1: this computer only; 0.0.0.0: every network interface (modalities on the network). */
    host: z.enum(['127.0.0.1', '0.0.0.0']),
    /** Calling AE titles allowed to send, besides the DIMSE connections' own. */
    allowed: z.array(AeTitle).max(64),
  })
  .strict();
export type ReceiverSettings = z.infer<typeof ReceiverSettings>;

export const ReceiverState = z.object({
  settings: ReceiverSettings,
  /** Every AE title that may send: `allowed` and each DIMSE connection's called AE title. */
  allowedSenders: z.array(z.string()),
  running: z.boolean(),
  /** Instances (files) filed into the library since the app started, and the images (frames) they hold. */
  received: z.number(),
  receivedImages: z.number(),
  /** Of `received`, the result documents (SR, Parametric Map), which hold no image. */
  receivedResults: z.number().default(0),
  /** Instances refused or not filed, counted in files: they never reached the library. */
  failed: z.number(),
  refusedAssociations: z.number(),
  /** What happened, newest first (AE titles and counts, never patient data), at most 20. */
  events: z.array(z.object({ at: z.string(), line: z.string() })),
  /** Why it is not running (port taken...), or null. */
  error: z.string().nullable(),
  /** DICOM TLS (set with `lumen pacs receiver`): off, on, or on with client certificates required. */
  tls: z.enum(['off', 'on', 'client-certificates']),
});
export type ReceiverState = z.infer<typeof ReceiverState>;

/** Why a list is not all the PACS answered (more than Lumen reads, a match too large), in words for the user; null when it is. */
const PacsIncomplete = z.string().nullable();

export const pacsRequests = {
  'pacs.list': request({
    summary: 'The PACS connections (secrets never: only whether one is saved).',
    input: Empty,
    output: z.object({ connections: z.array(PacsConnectionInfo) }),
  }),
  'pacs.save': request({
    summary: 'Add a PACS connection, or change one (`previousName`); `secret` absent keeps the saved one. Contacts nothing.',
    input: z.object({ connection: PacsConnectionSettings, secret: PacsSecret.nullable().optional(), previousName: PacsName.optional() }).strict(),
    output: z.object({ connections: z.array(PacsConnectionInfo) }),
  }),
  'pacs.remove': request({
    summary: 'Remove a PACS connection and its saved secret.',
    input: z.object({ name: PacsName }).strict(),
    output: z.object({ connections: z.array(PacsConnectionInfo) }),
  }),
  'pacs.test': request({
    summary: 'Test a connection: C-ECHO (DIMSE) or a one-study QIDO-RS search (DICOMweb).',
    input: z.object({ name: PacsName, ...Sealed }).strict(),
    output: z.object({ ok: z.boolean(), message: z.string(), milliseconds: z.number() }),
  }),
  'pacs.query': request({
    summary: 'Find studies on a PACS (QIDO-RS or C-FIND), each with how much of it the library holds.',
    input: z.object({ name: PacsName, query: PacsQuery, ...Sealed }).strict(),
    output: z.object({ studies: z.array(PacsStudy), incomplete: PacsIncomplete }),
  }),
  'pacs.series': request({
    summary: "A PACS study's series (QIDO-RS or C-FIND), each with how much of it the library holds.",
    input: z.object({ name: PacsName, studyInstanceUid: SendableUid, ...Sealed }).strict(),
    output: z.object({ series: z.array(PacsSeries), incomplete: PacsIncomplete }),
  }),
  'pacs.retrieve': request({
    summary: 'Retrieve a study or one series into the library (WADO-RS or C-GET; a job; what the library holds is skipped).',
    input: z.object({ name: PacsName, studyInstanceUid: SendableUid, seriesInstanceUid: SendableUid.optional(), ...Sealed }).strict(),
    output: JobStarted,
  }),
  'pacs.receiver': request({
    summary: "The C-STORE receiver's settings and state.",
    input: Empty,
    output: ReceiverState,
  }),
  'pacs.receiverSettings': request({
    summary: "Change the receiver's settings (AE title, port, interface, allowed senders); a running receiver restarts with them.",
    input: z.object({ settings: ReceiverSettings }).strict(),
    output: ReceiverState,
  }),
  // Send to PACS (electron/pacs/send.ts): result documents of the library, by SOP Instance UID (no paths from the renderer).
  'pacs.send': request({
    summary:
      "Send result documents of the library (SR, parametric maps) to a PACS by STOW-RS or C-STORE (a job: progress per document, PacsSendProgress; job.cancel stops after the one in flight); ends with each one's status (PacsSendReport).",
    input: z.object({ name: PacsName, sopInstanceUids: z.array(SendableUid).min(1).max(1000), ...Sealed }).strict(),
    output: JobStarted,
  }),
  'pacs.receiverSwitch': request({
    summary: 'Start or stop the C-STORE receiver (it files what it receives into the library).',
    input: z.object({ on: z.boolean() }).strict(),
    output: ReceiverState,
  }),
} as const;

export const pacsEvents = {
  /** The receiver started, stopped, received or refused something. */
  'pacs.receiverChanged': ReceiverState,
} as const;
