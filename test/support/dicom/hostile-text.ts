// A DICOM file whose text holds bidirectional overrides and isolates (Trojan-Source style), written
// by dcmtk's dump2dcm in UTF-8 (ISO_IR 192): what the CLI, the reports and the app must show
// without letting it reorder the text around it.
import { writeSlice } from '../../library/fixtures';

/** Every bidirectional embedding, override and isolate (U+202A–U+202E, U+2066–U+2069). */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

export const HOSTILE = {
  /** RIGHT-TO-LEFT OVERRIDE with no closing POP: unisolated, it reverses what follows it. */
  patientName: 'Trojan^\u202eLIVE',
  patientId: 'TS\u2067001',
  studyDescription: 'CHEST \u202dCT\u2069',
  seriesDescription: 'AXIAL\u202e 5mm',
  studyUid: '1.2.826.0.1.3680043.10.543.66',
  seriesUid: '1.2.826.0.1.3680043.10.543.66.1',
  sopUid: '1.2.826.0.1.3680043.10.543.66.1.1',
};

export function writeHostileTextSlice(file: string): void {
  writeSlice(file, { ...HOSTILE, instanceNumber: 1, extraLines: ['(0008,0005) CS [ISO_IR 192]'] });
}
