// Names in every character set Specific Character Set (0008,0005) names, and
// CT slices carrying them written by dcmtk's dump2dcm (test/dicom/charset.test.ts
// checks Lumen's reading against dcmtk's; the library and e2e tests import them).
import { join } from 'node:path';
import { writeSlice } from '../library/fixtures';

export const ESC = '\x1b';

/**
 * [what, Specific Character Set, Patient's Name bytes (one character per byte),
 * what the name reads as, the independent decoder: dcmtk (dcmdump +U8), or
 * glibc's iconv where this dcmtk (3.6.7 on glibc iconv) refuses the set, or
 * the text PS3.5 prints where neither takes it].
 */
export const NAMES: [string, string, string, string, string][] = [
  ['Japanese, ISO 2022 IR 87 (PS3.5 H.3.1)', '\\ISO 2022 IR 87', `Yamada^Tarou=${ESC}$B;3ED${ESC}(B^${ESC}$BB@O:${ESC}(B=${ESC}$B$d$^$@${ESC}(B^${ESC}$B$?$m$&${ESC}(B`, 'Yamada^Tarou=山田^太郎=やまだ^たろう', 'iconv:ISO-2022-JP'],
  ['Japanese, ISO 2022 IR 13 and IR 87 (PS3.5 H.3.2)', 'ISO 2022 IR 13\\ISO 2022 IR 87', `\xd4\xcf\xc0\xde^\xc0\xdb\xb3=${ESC}$B;3ED${ESC}(J^${ESC}$BB@O:${ESC}(J=${ESC}$B$d$^$@${ESC}(J^${ESC}$B$?$m$&${ESC}(J`, 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう', 'PS3.5'],
  ['Japanese, JIS X 0212, ISO 2022 IR 159', '\\ISO 2022 IR 159', `Shin^Kei=${ESC}$(D0!${ESC}(B^${ESC}$(D0"${ESC}(B`, 'Shin^Kei=丂^丄', 'iconv:ISO-2022-JP-2'],
  ['Korean, ISO 2022 IR 149 (PS3.5 I.2)', '\\ISO 2022 IR 149', `Hong^Gildong=${ESC}$)C\xfb\xf3^${ESC}$)C\xd1\xce\xd4\xd7=${ESC}$)C\xc8\xab^${ESC}$)C\xb1\xe6\xb5\xbf`, 'Hong^Gildong=洪^吉洞=홍^길동', 'dcmtk'],
  ['Chinese, ISO 2022 IR 58 (PS3.5 K.2)', '\\ISO 2022 IR 58', `Zhang^XiaoDong=${ESC}$)A\xd5\xc5^${ESC}$)A\xd0\xa1\xb6\xab=`, 'Zhang^XiaoDong=张^小东=', 'dcmtk'],
  ['Chinese, GB18030 (PS3.5 J.3)', 'GB18030', 'Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=', 'Wang^XiaoDong=王^小东=', 'dcmtk'],
  ['Chinese, GBK', 'GBK', 'Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=', 'Wang^XiaoDong=王^小东=', 'dcmtk'],
  ['Unicode, ISO_IR 192 (PS3.5 J.1)', 'ISO_IR 192', Buffer.from('Wang^XiaoDong=王^小東=', 'utf8').toString('latin1'), 'Wang^XiaoDong=王^小東=', 'dcmtk'],
  ['Latin-1, ISO_IR 100', 'ISO_IR 100', 'Buc^J\xe9r\xf4me', 'Buc^Jérôme', 'dcmtk'],
  ['Latin-2, ISO_IR 101', 'ISO_IR 101', 'Dvo\xf8\xe1k^Anton\xedn', 'Dvořák^Antonín', 'dcmtk'],
  ['Latin-3, ISO_IR 109', 'ISO_IR 109', '\xa6ava^Ma\xf8ta', 'Ĥava^Maĝta', 'dcmtk'],
  ['Latin-4, ISO_IR 110', 'ISO_IR 110', 'B\xbarzi\xf1\xb9', 'Bērziņš', 'dcmtk'],
  ['Latin-5, ISO_IR 148', 'ISO_IR 148', '\xd0\xfcndo\xf0du^Ay\xfe\xe9', 'Ğündoğdu^Ayşé', 'dcmtk'],
  ['Latin-9, ISO_IR 203', 'ISO_IR 203', '\xa4uro^\xbdvre', '€uro^œvre', 'iconv:ISO-8859-15'],
  ['Cyrillic, ISO_IR 144 (PS3.5 H example)', 'ISO_IR 144', '\xbb\xee\xdace\xdc\xd1yp\xd3', 'Люкceмбypг', 'dcmtk'],
  ['Arabic, ISO_IR 127', 'ISO_IR 127', '\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1', 'قباني^لنزار', 'dcmtk'],
  ['Greek, ISO_IR 126', 'ISO_IR 126', '\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2', 'Διονυσιος', 'dcmtk'],
  ['Hebrew, ISO_IR 138', 'ISO_IR 138', '\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4', 'שרון^דבורה', 'dcmtk'],
  ['Thai, ISO_IR 166', 'ISO_IR 166', '\xb9\xd2\xc2^\xca\xd8\xa2', 'นาย^สุข', 'dcmtk'],
  ['Japanese katakana, ISO_IR 13', 'ISO_IR 13', '\xd4\xcf\xc0\xde^\xc0\xdb\xb3', 'ﾔﾏﾀﾞ^ﾀﾛｳ', 'dcmtk'],
  ['Greek through ISO 2022 (IR 100 then IR 126)', 'ISO 2022 IR 100\\ISO 2022 IR 126', `Buc^J\xe9r\xf4me=${ESC}-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2`, 'Buc^Jérôme=Διονυσιος', 'dcmtk'],
];

let uid = 0;
/** A CT slice written by dcmtk's dump2dcm with the character set, the name and a study description in it. */
export function fileWithName(folder: string, name: string, charset: string, nameBytes: string, description = nameBytes): string {
  const file = join(folder, `${name}.dcm`);
  const n = ++uid;
  writeSlice(file, {
    patientName: nameBytes,
    patientId: `CS${n}`,
    studyUid: `1.2.826.0.1.3680043.10.77.${n}.1`,
    seriesUid: `1.2.826.0.1.3680043.10.77.${n}.2`,
    sopUid: `1.2.826.0.1.3680043.10.77.${n}.3`,
    studyDescription: description,
    extraLines: [`(0008,0005) CS [${charset}]`],
    byteStrings: true,
  });
  return file;
}

