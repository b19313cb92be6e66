// The study card's warning when one patient key comes with other patient details in another
// series ("2 names for Patient ID 123: Doe, Jane / Doe-Smith, Jane"): the library files the
// study under the first file's details, and this names every value, so that an image is never
// read as one patient's when its file says another. Each value isolated (<bdi>), as elsewhere.
import { Fragment } from 'react';
import { conflictCount, type PatientConflict, type PatientField } from '../../../common/patient-conflicts';
import { formatDate, personName } from './format';

function shown(field: PatientField, values: string[]): string[] {
  if (field === 'birthDate') return values.map((v) => formatDate(v));
  if (field === 'sex' || field === 'patientId') return values;
  const names = values.map((v) => personName(v));
  // Names that read alike in the list's form (a middle name dropped) are shown as written.
  return new Set(names).size === names.length ? names : values.map((v) => v.replace(/[\^=]+/g, ' ').trim());
}

/** "2 names for Patient ID 123" (for the aria-label and the title). */
export function conflictSummary(c: PatientConflict, patientId: string | null): string {
  if (c.field === 'patientId') return `${conflictCount(c)} in this study`;
  return `${conflictCount(c)} for ${patientId ? `Patient ID ${patientId}` : 'this patient'}`;
}

export function IdentityWarning({ conflicts, patientId }: { conflicts: PatientConflict[]; patientId: string | null }) {
  return (
    <>
      {conflicts.map((c) => (
        <span
          key={c.field}
          className="identity-warning"
          data-testid="study-identity-warning"
          // Two lines in the card (the Patient ID is on the line above); the whole sentence here.
          title={`${conflictSummary(c, patientId)}: ${shown(c.field, c.values).join(' / ')}. The series of this study give different patient details; each image shows what its own file says. Check that they are the same patient.`}
        >
          ⚠ {conflictCount(c)}:{' '}
          {shown(c.field, c.values).map((v, i) => (
            <Fragment key={i}>
              {i > 0 && ' / '}
              <bdi>{v}</bdi>
            </Fragment>
          ))}
        </span>
      ))}
    </>
  );
}
