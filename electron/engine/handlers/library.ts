import { countOf } from '../../../common/counts';
import { countIssues, importCountsPhrase } from '../../../common/import-summary';
import type { Handlers } from '../../../common/rpc';
import { frameGaps, sliceGaps } from '../../library/slice-gaps';
import type { ImportProgress } from '../../library/types';
import type { EngineDeps } from './context';
import { cancelViewerFrames, viewerFrame } from '../viewer/frame';
import { forgetInstances, openLibrary, patientDetailsCheck, seriesImages, seriesInstances, spacingCheck } from '../viewer/library-access';

/**
 * The most unreadable files an import's end event lists. The whole list of a folder of
 * 10,000 non-DICOM files is ~1.5 MB, which held the event loop of the process serving the
 * UI for 250-320 ms; library.importErrors has them all.
 */
export const REPORTED_IMPORT_ERRORS = 200;

/** The most new studies an import's end event names (for the list to highlight); ~64 bytes each. */
export const REPORTED_STUDIES = 1000;

/**
 * The text under the app's Import progress bar, counted as `lumen import`'s line counts
 * (electron/cli/import.ts): files while they are found and read, what was imported as the report
 * says it (importCountsPhrase: images, a frame each, "4 images (2 files) imported"), and the files
 * not imported so far where there are any. "Scanning… 1 file found", "Reading 2 of 3 files · 3
 * images (1 file) imported", "Finishing… · 4 images (2 files) imported · 1 file not imported".
 */
export function importProgressMessage(p: ImportProgress): string {
  if (p.phase === 'scanning') return `Scanning… ${countOf(p.found, 'file')} found`;
  let text = p.phase === 'reading' ? `Reading ${p.scanned} of ${countOf(p.total ?? p.found, 'file')}` : 'Finishing…';
  text += ` · ${importCountsPhrase({ imported: p.newFiles, results: p.results, importedImages: p.importedImages, unchanged: p.unchanged, changed: p.changed })}`;
  if (p.notImported > 0) text += ` · ${countOf(p.notImported, 'file')} not imported`;
  return text;
}

/** Handlers for the library requests of the contract (common/contract/library.ts). */
export function libraryHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'library.studies': ({ search }) => openLibrary(deps).listStudiesWithSeries({ search }),
    'library.studyPage': (query) => openLibrary(deps).studyPage(query),
    'library.holdings': ({ studyInstanceUids }) => ({ studies: openLibrary(deps).holdings(studyInstanceUids) }),
    'library.thumbnail': async ({ seriesInstanceUid }) => {
      const png = await openLibrary(deps).thumbnail(seriesInstanceUid);
      return { dataUrl: `data:image/png;base64,${png.toString('base64')}` };
    },
    'library.series': async ({ seriesInstanceUid }) => {
      const library = openLibrary(deps);
      const detail = library.getSeries(seriesInstanceUid);
      if (!detail) throw new Error(`The library has no series ${seriesInstanceUid}: removed, or not imported yet.`);
      const { study, ...series } = detail;
      const instances = seriesInstances(deps, seriesInstanceUid);
      const images = seriesImages(instances).map(({ instance, frame }) => ({
        sopInstanceUid: instance.sopInstanceUid,
        frame,
        instanceNumber: instance.instanceNumber,
        rows: instance.rows,
        columns: instance.columns,
        sliceLocation: instance.sliceLocation,
        missing: instance.missing,
        revision: `${instance.fileSize}/${instance.mtimeMs}`,
      }));
      // A gap's index is an image's: told where each instance is one image (sliceGaps), or for
      // one multi-frame file (an Enhanced CT or MR) by its frames' Plane Positions (frameGaps).
      const one = instances.length === 1 ? instances[0] : null;
      const gaps =
        images.length === instances.length ? sliceGaps(instances) : one && !one.missing && images.length === one.frames ? await frameGaps(one.path) : [];
      return { series, study, images, gaps };
    },
    'library.import': ({ paths }, ctx) =>
      deps.jobs.start('library.import', ctx, async (job) => {
        const library = openLibrary(deps);
        job.progress(null, 'Scanning…');
        try {
          const report = await library.importPaths(paths, {
            signal: job.signal,
            onProgress: (p) => {
              const fraction = p.total ? p.scanned / p.total : null;
              job.progress(fraction, importProgressMessage(p), { ...p });
            },
          });
          return {
            ...report,
            errors: report.errors.slice(0, REPORTED_IMPORT_ERRORS),
            errorCount: report.errors.length,
            issues: countIssues(report.errors),
            studyInstanceUids: report.studyInstanceUids.slice(0, REPORTED_STUDIES),
          };
        } finally {
          forgetInstances(deps);
          ctx.emit('library.changed', { reason: 'import' });
        }
      }),
    'library.access': () => ({ readOnly: openLibrary(deps).readOnlyReason }),
    'library.importErrors': () => openLibrary(deps).importErrors(),
    'library.patientDetailsCheck': () => patientDetailsCheck(deps),
    'library.spacingCheck': () => spacingCheck(deps),
    'viewer.frame': async ({ seriesInstanceUid, sopInstanceUid, frame, ticket }) => {
      const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
      if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
      return viewerFrame(instance, frame, ticket);
    },
    'viewer.cancel': ({ tickets }) => ({ cancelled: cancelViewerFrames(tickets) }),
  };
}
