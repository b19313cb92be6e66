// One Patient ID, two names (or birth dates, or sexes): the library files a study under the
// patient details of the first file it read, and each series keeps its own files' values
// (electron/library/importer.ts). Or two Patient IDs in one study, which an older Lumen filed
// by its Study Instance UID alone (electron/library/series-patients.ts). This finds where they differ, for the study list's warning.
// Plain TypeScript: the renderer and the CLI both use it.

export type PatientField = 'patientId' | 'name' | 'birthDate' | 'sex';

export interface PatientConflict {
  field: PatientField;
  /** Every distinct value: the study's patient's first, then the series' in their order. */
  values: string[];
}

interface StudyPatient {
  patientId?: string | null;
  patientName: string | null;
  birthDate?: string | null;
  sex?: string | null;
}

interface SeriesPatient {
  patientId?: string | null;
  patientName?: string | null;
  birthDate?: string | null;
  sex?: string | null;
}

const FIELDS: { field: PatientField; of: (p: SeriesPatient) => string | null | undefined }[] = [
  // Two Patient IDs in one study: an older Lumen filed a study by its Study Instance UID alone.
  { field: 'patientId', of: (p) => p.patientId },
  { field: 'name', of: (p) => p.patientName },
  { field: 'birthDate', of: (p) => p.birthDate },
  { field: 'sex', of: (p) => p.sex },
];

/** The fields whose values differ between the study's patient and its series (unknown values are no conflict). */
export function patientConflicts(study: StudyPatient, series: readonly SeriesPatient[]): PatientConflict[] {
  const conflicts: PatientConflict[] = [];
  for (const { field, of } of FIELDS) {
    const values: string[] = [];
    for (const v of [of(study), ...series.map(of)]) {
      const t = v?.trim();
      if (t && !values.includes(t)) values.push(t);
    }
    if (values.length > 1) conflicts.push({ field, values });
  }
  return conflicts;
}

/** "2 patient IDs", "2 names", "2 birth dates", "3 sexes" */
export function conflictCount(c: PatientConflict): string {
  const noun = c.field === 'patientId' ? 'patient IDs' : c.field === 'name' ? 'names' : c.field === 'birthDate' ? 'birth dates' : 'sexes';
  return `${c.values.length} ${noun}`;
}
