/**
 * A study's series as a PACS lists them (QIDO-RS series search or C-FIND at
 * series level), for the app's PACS tab: the user picks a series to retrieve.
 */
import { isUid } from '../../common/dicom-uid';

export interface SeriesMatch {
  SeriesInstanceUID: string;
  Modality: string;
  SeriesNumber: number | null;
  SeriesDescription: string;
  NumberOfSeriesRelatedInstances: number | null;
}

/** A SeriesMatch from plain values, or null when the UID is not a UID. */
export function seriesMatch(v: { uid: unknown; modality: unknown; number: unknown; description: unknown; instances: unknown }): SeriesMatch | null {
  const uid = typeof v.uid === 'string' ? v.uid.replace(/\0+$/, '').trim() : '';
  if (!isUid(uid)) return null;
  const text = (x: unknown) => (typeof x === 'string' ? x.trim() : typeof x === 'number' ? String(x) : '');
  const count = (x: unknown) => (x === undefined || x === null || x === '' || !Number.isFinite(Number(x)) ? null : Number(x));
  return { SeriesInstanceUID: uid, Modality: text(v.modality).slice(0, 16), SeriesNumber: count(v.number), SeriesDescription: text(v.description).slice(0, 64), NumberOfSeriesRelatedInstances: count(v.instances) };
}

/** One QIDO-RS DICOM JSON series, or null without a usable Series Instance UID. */
export function seriesFromJson(item: Record<string, unknown>): SeriesMatch | null {
  const first = (tag: string): unknown => {
    const v = (item[tag] as { Value?: unknown } | undefined)?.Value;
    return Array.isArray(v) ? v[0] : undefined;
  };
  return seriesMatch({ uid: first('0020000E'), modality: first('00080060'), number: first('00200011'), description: first('0008103E'), instances: first('00201209') });
}
