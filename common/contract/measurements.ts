/**
 * Measurements drawn in the viewer, kept in the library. Each belongs to one
 * image: a SOP instance and one of its frames; the viewer shows it there only.
 */
import { z } from 'zod';
import { request, Uid } from './define';

/** Chosen by the viewer when it draws one, so that undo and redo bring back the same measurement. */
export const MeasurementId = z.string().min(8).max(64).regex(/^[A-Za-z0-9-]+$/, 'a measurement id is letters, digits and dashes');

/** (column, row) in image pixels; fractions allowed (the pointer falls between pixel centres). */
const ImagePoint = z.tuple([z.number().finite().min(-1e6).max(1e6), z.number().finite().min(-1e6).max(1e6)]);

/** The kinds of measurement, and how many points each has. */
export const MEASUREMENT_POINTS = {
  /** Its two ends. */
  length: 2,
  /** Two opposite corners. */
  rectangle: 2,
  /** Two opposite corners of the box the ellipse fills. */
  ellipse: 2,
  /** One arm's end, the vertex, the other arm's end. */
  angle: 3,
  /** The pixel whose value it reads. */
  probe: 1,
} as const;
export type MeasurementKind = keyof typeof MEASUREMENT_POINTS;
export const MEASUREMENT_KINDS = Object.keys(MEASUREMENT_POINTS) as [MeasurementKind, ...MeasurementKind[]];

/** Measurements are listed in the order of these strings, so they are written one way: Date.toISOString's. */
const CREATED_AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

/** Why `createdAt` is not a time a measurement was drawn at, or null. */
export function createdAtProblem(text: string): string | null {
  if (!CREATED_AT.test(text)) return 'is not an ISO 8601 date and time in UTC, like 2026-12-05T10:00:00.000Z';
  const time = Date.parse(text);
  // Date.parse rolls 2026-02-30 over into March: a date that comes back different is not a real one.
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== text.slice(0, 19)) return 'is not a real date and time';
  if (time < EARLIEST || time >= LATEST) return 'is not between the years 2000 and 2099';
  return null;
}

const CreatedAt = z
  .string()
  .max(40)
  .superRefine((text, ctx) => {
    const problem = createdAtProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function measurementSchema(createdAt: z.ZodString) {
  return z
    .object({
      id: MeasurementId,
      seriesInstanceUid: Uid,
      sopInstanceUid: Uid,
      frame: z.number().int().min(0).max(100_000),
      kind: z.enum(MEASUREMENT_KINDS),
      /** Its points in image pixels, as many as MEASUREMENT_POINTS says for its kind. */
      points: z.array(ImagePoint).min(1).max(3),
      /** ISO 8601, UTC; the viewer lists an image's measurements in this order. */
      createdAt,
    })
    .strict()
    .refine((m) => m.points.length === MEASUREMENT_POINTS[m.kind], { message: 'a length, rectangle or ellipse has 2 points, an angle 3, a probe 1', path: ['points'] });
}

/** A measurement the page sends: its time is checked (createdAtProblem). */
export const Measurement = measurementSchema(CreatedAt);
export type Measurement = z.infer<typeof Measurement>;
/** A measurement the library gives back: kept as it was stored, so one odd row never hides the others. */
const StoredMeasurement = measurementSchema(z.string().max(40));

export const measurementRequests = {
  'measurements.list': request({
    summary: "The measurements on a series' images, oldest first.",
    input: z.object({ seriesInstanceUid: Uid }).strict(),
    output: z.array(StoredMeasurement),
  }),
  'measurements.save': request({
    summary: 'Keep a measurement in the library (a new one, or one brought back by undo or redo); saving the same id again changes nothing.',
    input: z.object({ measurement: Measurement }).strict(),
    output: StoredMeasurement,
  }),
  'measurements.delete': request({
    summary: 'Remove one measurement; deleted: false when the library did not have it.',
    input: z.object({ id: MeasurementId }).strict(),
    output: z.object({ deleted: z.boolean() }),
  }),
} as const;
