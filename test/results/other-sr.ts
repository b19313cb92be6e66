// A TID 1500 report as another AI product writes one, made by dcmtk's dump2dcm from a text
// dump (the layout of a dsrdump of Lumen's own, edited): a count in UCUM "1" with no Finding
// ("Number of nodules" = 3), a Finding with a probability NUM of a standard concept (DCM 111047
// "Probability of cancer" = 0.85, "1"), and a ratio in "1" named after its Finding (not a
// probability by its name, but in the layout of Lumen's own "<class> probability").
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dumpItem as item, dumpSequence as seq } from '../support/dicom/dump2dcm';

export const codeLines = (value: string, scheme: string, meaning: string) => [`(0008,0100) SH [${value}]`, `(0008,0102) SH [${scheme}]`, `(0008,0104) LO [${meaning}]`];
export const concept = (value: string, scheme: string, meaning: string) => seq('0040,a043', [item(codeLines(value, scheme, meaning))]);
export const text = (rel: string, c: string[], value: string) => item([`(0040,a010) CS [${rel}]`, '(0040,a040) CS [TEXT]', ...c, `(0040,a160) UT [${value}]`]);
export const codeItem = (rel: string, c: string[], value: string[]) => item([`(0040,a010) CS [${rel}]`, '(0040,a040) CS [CODE]', ...c, ...seq('0040,a168', [item(value)])]);
export const num = (c: string[], value: string, units: string[]) =>
  item(['(0040,a010) CS [CONTAINS]', '(0040,a040) CS [NUM]', ...c, ...seq('0040,a300', [item([...seq('0040,08ea', [item(units)]), `(0040,a30a) DS [${value}]`])])]);
const container = (rel: string, c: string[], content: string[][]) => item([`(0040,a010) CS [${rel}]`, '(0040,a040) CS [CONTAINER]', ...c, '(0040,a050) CS [SEPARATE]', ...seq('0040,a730', content)]);
export const NO_UNITS = codeLines('1', 'UCUM', 'no units');
export const FINDING = concept('121071', 'DCM', 'Finding');
export const group = (content: string[][]) => container('CONTAINS', concept('125007', 'DCM', 'Measurement Group'), [text('HAS OBS CONTEXT', concept('112039', 'DCM', 'Tracking Identifier'), 'Other AI finding'), ...content]);

export interface OtherSr {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  patientName: string;
  patientId: string;
}

/**
 * Writes the report to `file` with dump2dcm (its Measurement Groups `groups`, else those above;
 * its text in UTF-8, else in `charset`: the Specific Character Set and the `iconv` name of its
 * encoding); its text dump goes next to it.
 */
export function writeOtherAiSr(file: string, sr: OtherSr, groups?: string[][], charset?: { specific: string; iconv: string }): string {
  const lines = [
    '(0002,0002) UI =ComprehensiveSRStorage',
    `(0002,0003) UI [${sr.sopInstanceUid}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    `(0008,0005) CS [${charset?.specific ?? 'ISO_IR 192'}]`,
    '(0008,0016) UI =ComprehensiveSRStorage',
    `(0008,0018) UI [${sr.sopInstanceUid}]`,
    '(0008,0020) DA [20260102]',
    '(0008,0060) CS [SR]',
    '(0008,0070) LO [Other AI Inc.]',
    `(0010,0010) PN [${sr.patientName}]`,
    `(0010,0020) LO [${sr.patientId}]`,
    `(0020,000d) UI [${sr.studyInstanceUid}]`,
    `(0020,000e) UI [${sr.seriesInstanceUid}]`,
    '(0020,0011) IS [77]',
    '(0020,0013) IS [1]',
    '(0040,a491) CS [COMPLETE]',
    '(0040,a493) CS [UNVERIFIED]',
    '(0008,0023) DA [20260102]',
    '(0008,0033) TM [101500]',
    '(0040,a040) CS [CONTAINER]',
    ...concept('126000', 'DCM', 'Imaging Measurement Report'),
    '(0040,a050) CS [SEPARATE]',
    ...seq('0040,a504', [item(['(0008,0105) CS [DCMR]', '(0040,db00) CS [1500]'])]),
    ...seq('0040,a730', [
      container('CONTAINS', concept('126010', 'DCM', 'Imaging Measurements'), groups ?? [
        group([num(concept('OA-0001', '99OTHERAI', 'Number of nodules'), '3', NO_UNITS)]),
        group([codeItem('CONTAINS', FINDING, codeLines('27925004', 'SCT', 'Nodule')), num(concept('111047', 'DCM', 'Probability of cancer'), '0.85', NO_UNITS)]),
        group([codeItem('CONTAINS', FINDING, codeLines('OA-0002', '99OTHERAI', 'Cardiothoracic ratio')), num(concept('OA-0002', '99OTHERAI', 'Cardiothoracic ratio'), '0.52', NO_UNITS)]),
      ]),
    ]),
  ];
  const dump = file.replace(/\.dcm$/i, '') + '.dump';
  const text = lines.join('\n') + '\n';
  writeFileSync(dump, charset ? execFileSync('iconv', ['-f', 'UTF-8', '-t', charset.iconv], { input: text }) : text);
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return file;
}
