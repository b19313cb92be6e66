import { countIssues } from '../../../common/import-summary';
import type { Handlers } from '../../../common/rpc';
import type { EngineDeps } from './context';
import { cancelViewerFrames, viewerFrame } from '../viewer/frame';
import { forgetInstances, openLibrary, patientDetailsCheck, seriesImages, seriesInstances } from '../viewer/library-access';

/**
 * The most unreadable files an import's end event lists. The whole list of a folder of
 * 10,000 non-DICOM files is ~1.5 MB, which held the event loop of the process serving the
 * UI for 250-320 ms; library.importErrors has them all.
 */
export const REPORTED_IMPORT_ERRORS = 200;

/** The most new studies an import's end event names (for the list to highlight); ~64 bytes each. */
export const REPORTED_STUDIES = 1000;

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
    'library.series': ({ seriesInstanceUid }) => {
      const library = openLibrary(deps);
      const detail = library.getSeries(seriesInstanceUid);
      if (!detail) throw new Error(`The library has no series ${seriesInstanceUid}. Import it first.`);
      const { study, ...series } = detail;
      const images = seriesImages(seriesInstances(deps, seriesInstanceUid)).map(({ instance, frame }) => ({
        sopInstanceUid: instance.sopInstanceUid,
        frame,
        instanceNumber: instance.instanceNumber,
        rows: instance.rows,
        columns: instance.columns,
        sliceLocation: instance.sliceLocation,
        missing: instance.missing,
      }));
      return { series, study, images };
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
              const message = p.phase === 'scanning' ? `Scanning… ${p.found} files found` : `${p.phase === 'finishing' ? 'Finishing' : 'Reading'} ${p.scanned}${p.total ? ` of ${p.total}` : ''} files`;
              job.progress(fraction, message, { ...p });
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
    'viewer.frame': async ({ seriesInstanceUid, sopInstanceUid, frame, ticket }) => {
      const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
      if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
      return viewerFrame(instance, frame, ticket);
    },
    'viewer.cancel': ({ tickets }) => ({ cancelled: cancelViewerFrames(tickets) }),
  };
}
