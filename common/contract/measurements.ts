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

export const Measurement = z.object({
  id: MeasurementId,
  seriesInstanceUid: Uid,
  sopInstanceUid: Uid,
  frame: z.number().int().min(0).max(100_000),
  kind: z.literal('length'),
  /** A length's two ends. */
  points: z.tuple([ImagePoint, ImagePoint]),
  /** ISO 8601, UTC; the viewer lists an image's measurements in this order. */
  createdAt: z.string().max(40),
});
export type Measurement = z.infer<typeof Measurement>;

export const measurementRequests = {
  'measurements.list': request({
    summary: "The measurements on a series' images, oldest first.",
    input: z.object({ seriesInstanceUid: Uid }).strict(),
    output: z.array(Measurement),
  }),
  'measurements.save': request({
    summary: 'Keep a measurement in the library (a new one, or one brought back by undo or redo); saving the same id again changes nothing.',
    input: z.object({ measurement: Measurement }).strict(),
    output: Measurement,
  }),
  'measurements.delete': request({
    summary: 'Remove one measurement; deleted: false when the library did not have it.',
    input: z.object({ id: MeasurementId }).strict(),
    output: z.object({ deleted: z.boolean() }),
  }),
} as const;
