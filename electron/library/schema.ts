import { existsSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { APP_VERSION } from '../../common/version';
import { SEARCH_INDEX_NOTES_SQL, SEARCH_INDEX_PENDING_SQL, SEARCH_INDEX_SERIES_IDS_SQL, SEARCH_INDEX_SERIES_NAMES_SQL, SEARCH_INDEX_SQL } from './search-index';
import { OTHER_PATIENT_ID_REASON, SERIES_PATIENTS_KEY } from './series-patients';

// The library's schema, as an ordered list of migrations. PRAGMA user_version
// holds how many have been applied; each one runs in its own transaction, so a
// crash mid-upgrade leaves the previous version intact. Never edit a released
// migration: append a new one.

/** The modalities of the study `uid` (an SQL expression), distinct, sorted and joined with "/"; NULL for none. */
function modalityList(uid: string): string {
  return `(SELECT group_concat(m, '/' ORDER BY m) FROM (SELECT DISTINCT modality AS m FROM series WHERE study_uid = ${uid} AND modality IS NOT NULL AND modality <> ''))`;
}

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'patients, studies, series, instances, import errors',
    sql: `
      CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        patient_key TEXT NOT NULL UNIQUE,
        patient_id TEXT,
        patient_name TEXT,
        birth_date TEXT,
        sex TEXT
      );
      CREATE TABLE studies (
        study_uid TEXT PRIMARY KEY,
        patient_ref INTEGER NOT NULL REFERENCES patients(id),
        study_date TEXT,
        study_time TEXT,
        description TEXT,
        accession_number TEXT
      );
      CREATE INDEX studies_by_patient ON studies(patient_ref);
      CREATE TABLE series (
        series_uid TEXT PRIMARY KEY,
        study_uid TEXT NOT NULL REFERENCES studies(study_uid),
        modality TEXT,
        series_number INTEGER,
        description TEXT
      );
      CREATE INDEX series_by_study ON series(study_uid);
      CREATE TABLE instances (
        sop_uid TEXT PRIMARY KEY,
        series_uid TEXT NOT NULL REFERENCES series(series_uid),
        sop_class_uid TEXT,
        path TEXT NOT NULL UNIQUE,
        file_size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        transfer_syntax TEXT,
        modality TEXT,
        instance_number INTEGER,
        image_rows INTEGER,
        image_columns INTEGER,
        frames INTEGER NOT NULL DEFAULT 1,
        pixel_spacing TEXT,            -- JSON [row, column] mm
        slice_thickness REAL,
        slice_location REAL,
        image_position TEXT,           -- JSON [x, y, z] mm
        image_orientation TEXT,        -- JSON 6 direction cosines
        window_center TEXT,            -- JSON array
        window_width TEXT,             -- JSON array
        rescale_slope REAL,
        rescale_intercept REAL,
        photometric TEXT,
        bits_allocated INTEGER,
        has_pixel_data INTEGER NOT NULL DEFAULT 1,
        content_date TEXT,
        missing INTEGER NOT NULL DEFAULT 0,
        imported_at TEXT NOT NULL
      );
      CREATE INDEX instances_by_series ON instances(series_uid);
      CREATE TABLE import_errors (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'labels, datasets, models, predictions, audit log',
    sql: `
      CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('image', 'series', 'study')),
        target_uid TEXT NOT NULL,
        label TEXT NOT NULL,
        author TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX labels_by_target ON labels(target_kind, target_uid);
      CREATE INDEX labels_by_label ON labels(label);
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT,
        definition TEXT NOT NULL DEFAULT '{}',   -- JSON: which labels/targets, splits
        created_at TEXT NOT NULL
      );
      CREATE TABLE models (
        package_hash TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',     -- JSON: the package's metadata.json
        created_at TEXT NOT NULL
      );
      CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        model_hash TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('image', 'series', 'study')),
        target_uid TEXT NOT NULL,
        scores TEXT NOT NULL,                    -- JSON
        created_at TEXT NOT NULL
      );
      CREATE INDEX predictions_by_target ON predictions(target_kind, target_uid);
      CREATE INDEX predictions_by_model ON predictions(model_hash);
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT,
        action TEXT NOT NULL,
        details TEXT                             -- JSON
      );
    `,
  },
  {
    version: 3,
    description: 'audit log: package, variant, runtime and what each event touched; append-only',
    sql: `
      ALTER TABLE audit_log ADD COLUMN package_hash TEXT;
      ALTER TABLE audit_log ADD COLUMN variant TEXT;
      ALTER TABLE audit_log ADD COLUMN runtime TEXT;
      ALTER TABLE audit_log ADD COLUMN touched TEXT;   -- JSON: UIDs and counts, never names
      CREATE INDEX audit_log_by_time ON audit_log(at);
      -- Append-only: a row, once written, can be neither changed nor removed through SQL.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be changed'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: its entries cannot be deleted'); END;
    `,
  },
  {
    version: 4,
    description: 'import errors: what kind each is (a failure, a duplicate, no image, ...) and the copy kept',
    sql: `
      ALTER TABLE import_errors ADD COLUMN kind TEXT;        -- common/import-summary.ts; NULL (older rows): error
      ALTER TABLE import_errors ADD COLUMN kept_path TEXT;   -- for a duplicate: the file the library kept
    `,
  },
  {
    version: 5,
    description: 'measurements drawn in the viewer, each on one image (SOP instance and frame)',
    sql: `
      -- No foreign key to instances: a measurement outlives a re-import of its file.
      CREATE TABLE measurements (
        id TEXT PRIMARY KEY,                     -- chosen by the viewer, so that undo and redo restore the same one
        series_uid TEXT NOT NULL,
        sop_uid TEXT NOT NULL,
        frame INTEGER NOT NULL CHECK (frame >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('length')),
        points TEXT NOT NULL,                    -- JSON [[column, row], ...] in image pixels
        author TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX measurements_by_series ON measurements(series_uid);
      CREATE INDEX measurements_by_image ON measurements(sop_uid, frame);
    `,
  },
  {
    version: 6,
    description: 'which Lumen last upgraded the schema, so that an older Lumen can name it when it refuses the library',
    sql: `
      CREATE TABLE lumen_info (
        key TEXT PRIMARY KEY,                    -- 'schema_written_by': the app version that applied the newest migration
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    description: 'predictions keyed by image and frame (and series): one store for the app, lumen predict and training',
    sql: `
      -- Rows from before: \`lumen predict\` and training keyed frames after the first as
      -- "<SOP UID>#<frame>", the app kept the frame in the JSON only. Both become columns; the
      -- JSON keeps its fields, so nothing that read the old rows loses anything.
      ALTER TABLE predictions ADD COLUMN frame INTEGER NOT NULL DEFAULT 0 CHECK (frame >= 0);
      ALTER TABLE predictions ADD COLUMN series_uid TEXT;
      UPDATE predictions
        SET frame = CAST(substr(target_uid, instr(target_uid, '#') + 1) AS INTEGER), target_uid = substr(target_uid, 1, instr(target_uid, '#') - 1)
        WHERE target_kind = 'image' AND instr(target_uid, '#') > 1 AND substr(target_uid, instr(target_uid, '#') + 1) GLOB '[0-9]*'
          AND substr(target_uid, instr(target_uid, '#') + 1) NOT GLOB '*[^0-9]*';
      UPDATE predictions SET frame = json_extract(scores, '$.frame')
        WHERE target_kind = 'image' AND json_valid(scores) AND json_type(scores, '$.frame') = 'integer' AND json_extract(scores, '$.frame') >= 0;
      UPDATE predictions SET series_uid = json_extract(scores, '$.seriesInstanceUid')
        WHERE target_kind = 'image' AND json_valid(scores) AND json_type(scores, '$.seriesInstanceUid') = 'text';
      UPDATE predictions SET series_uid = (SELECT i.series_uid FROM instances i WHERE i.sop_uid = predictions.target_uid)
        WHERE target_kind = 'image' AND series_uid IS NULL;
      UPDATE predictions SET series_uid = target_uid WHERE target_kind = 'series';
      CREATE INDEX predictions_by_series ON predictions(series_uid, model_hash);
      CREATE INDEX predictions_by_image ON predictions(target_uid, frame);
    `,
  },
  {
    version: 8,
    description: 'measurements of more kinds: rectangle and ellipse regions, angles, probes',
    sql: `
      -- SQLite cannot change a CHECK: the table is made again with the wider one, rows kept.
      CREATE TABLE measurements_new (
        id TEXT PRIMARY KEY,
        series_uid TEXT NOT NULL,
        sop_uid TEXT NOT NULL,
        frame INTEGER NOT NULL CHECK (frame >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('length', 'rectangle', 'ellipse', 'angle', 'probe')),
        points TEXT NOT NULL,                    -- JSON [[column, row], ...] in image pixels
        author TEXT,
        created_at TEXT NOT NULL
      );
      INSERT INTO measurements_new SELECT id, series_uid, sop_uid, frame, kind, points, author, created_at FROM measurements;
      DROP TABLE measurements;
      ALTER TABLE measurements_new RENAME TO measurements;
      CREATE INDEX measurements_by_series ON measurements(series_uid);
      CREATE INDEX measurements_by_image ON measurements(sop_uid, frame);
    `,
  },
  {
    version: 9,
    description: 'results read back: SR documents with their findings, parametric maps with their source images',
    sql: `
      -- SR and Parametric Map files imported as study-level results (electron/library/results.ts).
      CREATE TABLE result_documents (
        sop_uid TEXT PRIMARY KEY,
        sop_class_uid TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('sr', 'parametric-map')),
        study_uid TEXT NOT NULL,
        series_uid TEXT NOT NULL,
        path TEXT NOT NULL,
        title TEXT,
        content_date TEXT,                       -- ISO 8601 from Content Date/Time, local as written
        imported_at TEXT NOT NULL
      );
      CREATE INDEX result_documents_by_study ON result_documents(study_uid);
      CREATE INDEX result_documents_by_path ON result_documents(path);
      CREATE TABLE result_findings (
        document_uid TEXT NOT NULL REFERENCES result_documents(sop_uid) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        finding TEXT NOT NULL,                   -- the Finding's code meaning, else the measured quantity's name
        code_value TEXT,
        coding_scheme TEXT,
        score REAL,
        unit TEXT,                               -- UCUM code of the score ('1': a probability)
        algorithm_name TEXT,
        algorithm_version TEXT,
        algorithm_hash TEXT,
        referenced_sop_uids TEXT NOT NULL,       -- JSON array of SOP Instance UIDs
        PRIMARY KEY (document_uid, ordinal)
      );
      CREATE TABLE result_map_sources (
        document_uid TEXT NOT NULL REFERENCES result_documents(sop_uid) ON DELETE CASCADE,
        source_sop_uid TEXT NOT NULL,
        source_frame INTEGER NOT NULL CHECK (source_frame >= 0),
        PRIMARY KEY (document_uid, source_sop_uid, source_frame)
      );
      CREATE INDEX result_map_sources_by_image ON result_map_sources(source_sop_uid, source_frame);
    `,
  },
  {
    version: 10,
    description: "each prediction's uncertainty beside its scores",
    sql: `
      -- The package's uncertainty heads' disagreement (models/training/ensemble.ts), 0..1;
      -- NULL for a package without them and for every row made before.
      ALTER TABLE predictions ADD COLUMN uncertainty REAL CHECK (uncertainty IS NULL OR (uncertainty >= 0 AND uncertainty <= 1));
    `,
  },
  {
    version: 11,
    description: "series scores of packages trained from series labels, with each slice's attention weight",
    sql: `
      -- A package with a series head (multiple-instance learning, electron/training/mil.ts) scores
      -- a series as a whole: its pooled scores here, each slice's weight in them below. The
      -- slices' own scores stay in predictions, as every model's do.
      CREATE TABLE series_predictions (
        model_hash TEXT NOT NULL,
        series_uid TEXT NOT NULL,
        scores TEXT NOT NULL,                    -- JSON {classNames, scores, method}
        created_at TEXT NOT NULL,
        PRIMARY KEY (model_hash, series_uid)
      );
      CREATE TABLE series_attention (
        model_hash TEXT NOT NULL,
        series_uid TEXT NOT NULL,
        sop_uid TEXT NOT NULL,
        frame INTEGER NOT NULL CHECK (frame >= 0),
        weight REAL NOT NULL CHECK (weight >= 0 AND weight <= 1),
        PRIMARY KEY (model_hash, series_uid, sop_uid, frame),
        FOREIGN KEY (model_hash, series_uid) REFERENCES series_predictions (model_hash, series_uid) ON DELETE CASCADE
      );
    `,
  },
  // 12 was reserved for a change that did not need one: there is no migration 12, and there
  // must never be one (a library at 13 would skip it).
  {
    version: 13,
    description: 'indexes for the study list a page at a time: newest first, date ranges, modalities',
    sql: `
      -- The study list's default order (study-page.ts: undated last, then date and time, newest
      -- first) as the index holds it, so a page reads its rows in order instead of sorting every
      -- study; the same keys serve a date range. At 20,000 studies a page's rows took 21 ms
      -- without it, 5 ms with it.
      CREATE INDEX studies_by_date ON studies((coalesce(study_date, '') = ''), coalesce(study_date, '') DESC, coalesce(study_time, '') DESC);
      -- The modality filter's choices (SELECT DISTINCT modality): 17 ms at 20,000 series without it.
      CREATE INDEX series_by_modality ON series(modality);
    `,
  },
  {
    version: 14,
    description: 'a trigram index for the study search; each study\'s modalities stored for the sort by modality',
    sql: `
      -- The sort by modality (study-page.ts) read every study's series to make its key and sorted
      -- them all: 295-481 ms a page at 20,000 studies. The key is stored with the study, kept in
      -- step by the triggers below, and indexed in the sort's order.
      ALTER TABLE studies ADD COLUMN modality_list TEXT;
      UPDATE studies SET modality_list = ${modalityList('studies.study_uid')};
      CREATE INDEX studies_by_modality ON studies((coalesce(modality_list, '') = ''), coalesce(modality_list, '') COLLATE NOCASE,
        (coalesce(study_date, '') = ''), coalesce(study_date, '') DESC, coalesce(study_time, '') DESC);
      CREATE TRIGGER study_modalities_series_added AFTER INSERT ON series BEGIN
        UPDATE studies SET modality_list = ${modalityList('new.study_uid')} WHERE study_uid = new.study_uid;
      END;
      CREATE TRIGGER study_modalities_series_removed AFTER DELETE ON series BEGIN
        UPDATE studies SET modality_list = ${modalityList('old.study_uid')} WHERE study_uid = old.study_uid;
      END;
      CREATE TRIGGER study_modalities_series_changed AFTER UPDATE OF study_uid, modality ON series
      WHEN old.study_uid IS NOT new.study_uid OR old.modality IS NOT new.modality
      BEGIN
        UPDATE studies SET modality_list = ${modalityList('old.study_uid')} WHERE study_uid = old.study_uid;
        UPDATE studies SET modality_list = ${modalityList('new.study_uid')} WHERE study_uid = new.study_uid;
      END;
      -- The search (search-index.ts): studies whose text holds the search's trigrams, instead of every study's.
      ${SEARCH_INDEX_SQL}
    `,
  },
  {
    version: 15,
    description: "each series' own patient name, birth date and sex as its files give them; localizer series",
    sql: `
      -- One Patient ID with two names (or birth dates, or sexes) in two series: the patient row
      -- keeps the first, and a series whose files say otherwise keeps their own values
      -- (importer.ts), so the viewer shows what the displayed image's file says and the study
      -- list names both. NULL: the same as the patient's (or imported before schema 15).
      ALTER TABLE series ADD COLUMN patient_name TEXT;
      ALTER TABLE series ADD COLUMN birth_date TEXT;
      ALTER TABLE series ADD COLUMN sex TEXT;
      -- 1 for a series whose Image Type (0008,0008) says LOCALIZER: shown as such, and left out
      -- of training datasets (electron/training/dataset.ts).
      ALTER TABLE series ADD COLUMN localizer INTEGER NOT NULL DEFAULT 0;
      ${SEARCH_INDEX_SERIES_NAMES_SQL}
    `,
  },
  {
    version: 17,
    description: 'the study search triggers note which studies changed; their documents are written in one statement',
    sql: `
      -- An FTS5 write from a trigger cost several times the same write made for many rows in one
      -- statement, and a study's document was written, deleted and written again as its series
      -- came in (search-index.ts).
      ${SEARCH_INDEX_PENDING_SQL}
    `,
  },
  {
    version: 19,
    description: "the size and modification time of each result document's file and of each second copy, so that importing their folder again does not read them again",
    sql: `
      -- As instances.file_size and mtime_ms: a result file (SR, Parametric Map) at the same path
      -- with the same size and time is not read and filed again (importer.ts). NULL (filed
      -- before schema 19): read once more on the next import, which fills them.
      ALTER TABLE result_documents ADD COLUMN file_size INTEGER;
      ALTER TABLE result_documents ADD COLUMN mtime_ms REAL;
      -- A duplicate (a second copy of an image or result the library keeps from kept_path): its
      -- size, time and SOP Instance UID, so that while neither copy changes it is reported again
      -- without being read (and, for an image, decoded to compare). NULL for every other kind.
      ALTER TABLE import_errors ADD COLUMN file_size INTEGER;
      ALTER TABLE import_errors ADD COLUMN mtime_ms REAL;
      ALTER TABLE import_errors ADD COLUMN sop_uid TEXT;
    `,
  },
  {
    version: 20,
    description: "each series' own Patient ID as its files give it, so that a study holding two is marked and found by either",
    sql: `
      -- An older Lumen filed a study by its Study Instance UID alone, so one study may hold the
      -- files of two Patient IDs (this one refuses such a file: importer.ts). Each series keeps
      -- its files' Patient ID (NULL: none); the import writes it, and here it is the ID of the
      -- patient the study is filed under, until the one-time read of older series' patient
      -- details (series-patients.ts) sets the ID the file gives.
      ALTER TABLE series ADD COLUMN patient_id TEXT;
      UPDATE series SET patient_id = (SELECT p.patient_id FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = series.study_uid);
      -- A library where that read already ran listed such files without keeping their ID: it
      -- runs once more (it reads one file of each series without details of its own).
      DELETE FROM lumen_info WHERE key = '${SERIES_PATIENTS_KEY}'
        AND EXISTS (SELECT 1 FROM import_errors WHERE kind = 'conflict' AND reason = '${OTHER_PATIENT_ID_REASON.replace(/'/g, "''")}');
      ${SEARCH_INDEX_SERIES_IDS_SQL}
    `,
  },
  {
    version: 21,
    description: 'the size and modification time of files that are not images, and what each DICOMDIR lists, so that importing their folder again reads none of them unchanged',
    sql: `
      -- A DICOMDIR read at import: its size, time and the files it lists (JSON of
      -- scan.ts's DicomdirReference[]), so that while it is unchanged those files are looked
      -- up again without reading it (importer.ts). Forgotten when the file is gone or changes.
      CREATE TABLE dicomdirs (
        path TEXT PRIMARY KEY,
        file_size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        refs TEXT NOT NULL
      ) WITHOUT ROWID;
      -- Files not DICOM and DICOM objects without an image keep their size and time in
      -- import_errors (the columns of migration 19, written by the importer from now on): the
      -- same again is reported as before without being read.
    `,
  },
  {
    version: 22,
    description: "each prediction's verdict on whether its image is like the model's training data",
    sql: `
      -- JSON {outside, reasons, distance?, threshold?} (models/package/domain.ts); NULL when the
      -- package records no training domain, and for predictions made before the check.
      ALTER TABLE predictions ADD COLUMN domain TEXT;
    `,
  },
  {
    version: 27,
    description: "what each image's pixel spacing measures: the patient's plane, a calibration, or the detector (CR and DX Imager Pixel Spacing)",
    sql: `
      -- parse.ts PixelSpacingKind: 'patient' (Pixel Spacing), 'calibrated' (Pixel Spacing with a
      -- Pixel Spacing Calibration Type), 'detector' (Imager Pixel Spacing alone), 'magnification'
      -- (Imager Pixel Spacing over Estimated Radiographic Magnification Factor); NULL where
      -- pixel_spacing is. An older Lumen read Pixel Spacing alone: its spacings are 'patient'.
      ALTER TABLE instances ADD COLUMN pixel_spacing_kind TEXT;
      UPDATE instances SET pixel_spacing_kind = 'patient' WHERE pixel_spacing IS NOT NULL;
    `,
  },
  {
    version: 28,
    description: "each image's ultrasound regions and Pixel Aspect Ratio, which measure it where it has no pixel spacing",
    sql: `
      -- JSON {usRegions?, pixelAspect?} as parse.ts reads them (common/roi.ts UsRegion, checked
      -- where used by calibrationAt); {} for an image with neither. NULL: imported before this
      -- migration, not read.
      ALTER TABLE instances ADD COLUMN pixel_calibration TEXT;
    `,
  },
  {
    version: 29,
    description: 'a label on one frame of a multi-frame file (labels.frame)',
    sql: `
      -- 1-based, as DICOM's Referenced Frame Number; NULL: the whole file (or a series or study),
      -- which is what every label an older Lumen kept means.
      ALTER TABLE labels ADD COLUMN frame INTEGER CHECK (frame IS NULL OR (target_kind = 'image' AND typeof(frame) = 'integer' AND frame >= 1));
      DROP INDEX labels_by_target;
      CREATE INDEX labels_by_target ON labels(target_kind, target_uid, frame);
    `,
  },
  {
    version: 30,
    description: "the study search finds a name typed without its accents or apostrophes, or given name first",
    sql: `
      -- Each study's search document is written again with those forms of its names and
      -- descriptions (search-index.ts FORMS). As in 20, the migration only notes every study:
      -- the library writes their documents in one statement when it opens (writeSearchDocuments),
      -- and until then each is a candidate of every search.
      INSERT OR IGNORE INTO study_search_pending (study_uid) SELECT study_uid FROM studies;
    `,
  },
  {
    version: 31,
    description: "an imported SR finding keeps its score's concept code, which says whether the score is a probability",
    sql: `
      -- "<scheme>:<value>" of the score's NUM concept ("DCM:111047": Probability of cancer, whatever
      -- its meaning reads), '' when it has none (results.ts scoreIsProbability). NULL: filed before
      -- this migration, read as then. Each result document is read again by the next import of its
      -- folder (an unchanged file is otherwise skipped: importer.ts), which writes the codes.
      ALTER TABLE result_findings ADD COLUMN score_concept TEXT;
      UPDATE result_documents SET file_size = NULL;
    `,
  },
  {
    version: 32,
    description: "a result document keeps its patient, so that it is never listed with another patient's study",
    sql: `
      -- The library's key of the document's own patient (importer.ts patientKeyOf: its Patient ID,
      -- else name:<Patient's Name>). A document is listed with its study only while the study's
      -- patient has the same key (results.ts studyResults): one filed before its study's images
      -- and then met by images of another patient under the same Study Instance UID is not shown
      -- as that patient's. NULL: filed before this migration, listed as then; each is read again
      -- by the next import of its folder (an unchanged file is otherwise skipped), which writes it.
      ALTER TABLE result_documents ADD COLUMN patient_key TEXT;
      UPDATE result_documents SET file_size = NULL;
    `,
  },
  {
    version: 33,
    description: 'an import that fills in a patient, study or series detail the library held empty no longer fails in the study search triggers',
    sql: `
      -- The triggers of 17 and 20 noted a study with INSERT OR IGNORE, which the importer's upserts
      -- overrode (search-index.ts noteOnce): "UNIQUE constraint failed: study_search_pending.study_uid",
      -- nothing imported. They are made again to insert a study only when it is not noted yet.
      ${SEARCH_INDEX_NOTES_SQL}
    `,
  },
  {
    version: 34,
    description: 'the result documents Lumen wrote, by SOP Instance UID and digest, so that a de-identified copy trusts only those',
    sql: `
      -- One row per SR or Parametric Map exportResults wrote (electron/results/written.ts): the
      -- SHA-256 (hex) of its data set's bytes as written, after the File Meta Information.
      -- De-identified copies copy a result document only when its UID is here and its bytes hash
      -- the same (deidentify.ts). Documents written before this migration have no row: held back.
      CREATE TABLE written_results (
        sop_uid TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        written_at TEXT NOT NULL
      );
    `,
  },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1].version;

export class LibraryVersionError extends Error {}

/** The Lumen version that applied the newest migration, when the library records it (schema 6 on). */
function schemaWrittenBy(db: Database.Database): string | null {
  try {
    const row = db.prepare<[], { value: string }>("SELECT value FROM lumen_info WHERE key = 'schema_written_by'").get();
    return row?.value ?? null;
  } catch {
    return null; // no lumen_info table: a library from before it existed
  }
}

function newerLibraryMessage(what: string, version: number, writtenBy: string | null): string {
  return (
    `${what} was made by a newer Lumen (${writtenBy ? `Lumen ${writtenBy}, ` : ''}library schema version ${version}); ` +
    `this Lumen ${APP_VERSION} supports library schema versions up to ${SCHEMA_VERSION}. ` +
    'Update Lumen to open it, or choose another library folder (--library).'
  );
}

/**
 * Refuses a library made by a newer Lumen before anything opens it for writing: its schema
 * is not migrated, no pragma is set and nothing is written. Opens the file read-only with
 * `open` (the library's own opener, so the same SQLite build); a file that is empty, absent
 * or not a database, or a runtime that cannot load SQLite, is left to the normal open to report.
 */
export function refuseNewerLibrary(file: string, open: (file: string, options: Database.Options) => Database.Database): void {
  let db: Database.Database;
  try {
    if (!existsSync(file) || statSync(file).size === 0) return;
    db = open(file, { readonly: true, fileMustExist: true });
  } catch {
    return;
  }
  try {
    let version: number;
    try {
      version = db.pragma('user_version', { simple: true }) as number;
    } catch {
      return;
    }
    if (version > SCHEMA_VERSION) {
      throw new LibraryVersionError(`${newerLibraryMessage(`the library ${file}`, version, schemaWrittenBy(db))} The library was not opened or changed.`);
    }
  } finally {
    db.close();
  }
}

/**
 * Bring the database up to `target` (default: the newest version). Returns the
 * version it was at before. Refuses a database newer than this build knows.
 *
 * Another Lumen may open the same library at the same time (the app and `lumen import`, two
 * imports into a new data folder): each step runs in an IMMEDIATE transaction (the write lock
 * first, waiting as busy_timeout says) that reads user_version again inside it and skips the
 * step when the other process has already made it, so neither runs a step twice ("table
 * patients already exists").
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (v: number) => {
    if (v > SCHEMA_VERSION) throw new LibraryVersionError(newerLibraryMessage('the library', v, schemaWrittenBy(db)));
  };
  const current = version();
  refuseNewer(current);
  // The version the file is at, as last read: the steps the other process made are skipped without a transaction each.
  let reached = current;
  for (const m of migrations) {
    if (m.version <= reached || m.version > target) continue;
    db.transaction(() => {
      const now = version();
      // A newer Lumen may have upgraded it meanwhile: refused as at the start, nothing written.
      refuseNewer(now);
      reached = now;
      if (now >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      if (m.version >= 6) db.prepare("INSERT INTO lumen_info (key, value) VALUES ('schema_written_by', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(APP_VERSION);
      reached = m.version;
    }).immediate();
  }
  return current;
}
