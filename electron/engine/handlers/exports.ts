import fs from 'node:fs';
import path from 'node:path';
import type { Handlers } from '../../../common/rpc';
import { ensurePrivateDir, writeFileAtomic } from '../../../common/node/safe-fs';
import { exportDeidentified } from '../../results/deidentify';
import { exportResults, libraryModel } from '../../results/export';
import { ResultsStore } from '../../results/store';
import { tableOnFrames } from '../../results/region-stats';
import { toCsv, toJson } from '../../results/tables';
import type { EngineDeps } from './context';
import { openLibrary } from '../viewer/library-access';

/** Handlers for the export requests of the contract (common/contract/exports.ts); paths were checked by access.ts. */
export function exportHandlers(deps: EngineDeps): Partial<Handlers> {
  return {
    'export.models': ({ uid }) => {
      const store = new ResultsStore(openLibrary(deps));
      try {
        const scope = store.resolve(uid);
        if (!scope) return [];
        const counts = new Map<string, { name: string; images: number }>();
        for (const p of store.predictions(scope)) {
          const c = counts.get(p.packageHash) ?? { name: p.modelName ?? p.packageHash.slice(0, 12), images: 0 };
          c.images++;
          counts.set(p.packageHash, c);
        }
        return [...counts].map(([packageHash, c]) => ({ packageHash, ...c }));
      } finally {
        store.close();
      }
    },
    'export.results': async ({ uid, packageHash, out, heatmaps }) => {
      const library = openLibrary(deps);
      let model = null;
      let packageDir: string | undefined;
      if (packageHash) {
        const store = new ResultsStore(library);
        try {
          model = libraryModel(store, packageHash);
          packageDir = store.models().find((m) => m.packageHash === packageHash)?.path;
        } finally {
          store.close();
        }
        if (!model) throw new Error(`The library has no predictions of the model ${packageHash.slice(0, 12)}…: run it on the series first.`);
      }
      const { files, predictions, measurements, labels, skippedMeasurements, notes } = await exportResults(library, { uid, model, out, heatmaps: heatmaps === 'none' ? null : heatmaps, packageDir });
      return { files, predictions, measurements, labels, skippedMeasurements, notes };
    },
    'export.deidentify': ({ uid, out, includeBurnedIn }, ctx) =>
      deps.jobs.start('export.deidentify', ctx, async (job) => {
        const result = await exportDeidentified(openLibrary(deps), { uid, out, includeBurnedIn, signal: job.signal, onProgress: (done, total) => job.progress(done / total, `De-identified ${done} of ${total} files`) });
        return { out: result.out, written: result.written, writtenFrames: result.writtenFrames, heldBack: result.heldBack, failed: result.failed, resultDocumentsWritten: result.resultDocumentsWritten, resultDocumentsNotCopied: result.resultDocumentsNotCopied, notes: result.notes };
      }),
    'export.table': async ({ kind, format, uid, packageHash, out }) => {
      // Lumen never replaces a file it did not make in this request.
      if (fs.existsSync(out)) throw new Error(`${out} already exists: Lumen never overwrites a file. Choose a new name, or move the old file away.`);
      const store = new ResultsStore(openLibrary(deps));
      try {
        const scope = uid ? store.resolve(uid) : {};
        if (!scope) throw new Error(`The library has no series or study ${uid}.`);
        // Measurements as measured on their own frames (an Enhanced image's frame has its own spacing).
        const table = await tableOnFrames(store, kind, scope, packageHash ?? undefined);
        // A new folder typed in Export results… is made, as the DICOM exports make theirs.
        ensurePrivateDir(path.dirname(out), { tighten: false });
        writeFileAtomic(out, format === 'csv' ? toCsv(table) : toJson(kind, table));
        const unaudited = openLibrary(deps).auditUnlessReadOnly('export', { touched: { files: [out] }, rows: table.rows.length, format, table: kind });
        return { out, rows: table.rows.length, notes: unaudited ? [unaudited] : [] };
      } finally {
        store.close();
      }
    },
  };
}
