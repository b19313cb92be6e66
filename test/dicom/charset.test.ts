// Names and descriptions in every character set Specific Character Set
// (0008,0005) names, written into files by dcmtk's dump2dcm and checked
// against dcmtk's own decoding (dcmdump +U8). The name values are the PS3.5
// Annex H (Japanese), I (Korean) and J (Chinese) examples, and names in the
// Latin, Cyrillic, Arabic, Greek, Hebrew and Thai sets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characterSet } from '../../electron/dicom/charset';
import { parseDicomFile } from '../../electron/dicom/parse';
import { ESC, fileWithName, NAMES } from './charset-fixtures';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-charset-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** dcmtk's decoding of one element (dcmdump +U8), UTF-8. */
function dcmtkValue(file: string, tag: string): string {
  const out = execFileSync('dcmdump', ['+U8', '+P', tag, file]).toString('utf8');
  return out.slice(out.indexOf('[') + 1, out.lastIndexOf(']'));
}

/** The same bytes decoded by the reference the table names. */
function reference(kind: string, file: string, tag: string, bytes: string, reads: string): string {
  if (kind === 'dcmtk') return dcmtkValue(file, tag);
  if (kind.startsWith('iconv:')) return execFileSync('iconv', ['-f', kind.slice(6), '-t', 'UTF-8'], { input: Buffer.from(bytes, 'latin1') }).toString('utf8');
  return reads;
}

describe('Patient\'s Name and Study Description in their Specific Character Set, as dcmtk (or iconv) decodes them', () => {
  it.each(NAMES)('%s', async (label, charset, bytes, reads, kind) => {
    // The description holds the same bytes: in an LO "^" and "=" are text, not delimiters, and read the same.
    const file = fileWithName(dir, label.replace(/\W+/g, '-'), charset, bytes, bytes);
    const meta = (await parseDicomFile(file)).meta;
    const name = reference(kind, file, '0010,0010', bytes, reads);
    expect(name).toBe(reads);
    expect(meta.patientName).toBe(name);
    // dcmtk on glibc reads an LO in ISO 2022 IR 58 through iconv's ISO-2022-CN, which wants SO/SI
    // shifts DICOM does not use, and leaves the second ESC $ ) A in the text: PS3.5's reading there.
    const descriptionKind = charset.includes('IR 58') ? 'PS3.5' : kind;
    expect(meta.studyDescription).toBe(reference(descriptionKind, file, '0008,1030', bytes, reads));
  });
});

describe('ISO 2022 state', () => {
  it('returns to the first value\'s sets after a name delimiter: a G1 set does not carry over "^"', () => {
    const cs = characterSet('\\ISO 2022 IR 149');
    const bytes = Buffer.from(`${ESC}$)C\xc8\xab^\xc8\xab`, 'latin1');
    expect(cs.decode(bytes, true)).toBe('홍^È«');
    // In other text "^" is no delimiter: the Korean set stays.
    expect(cs.decode(bytes, false)).toBe('홍^홍');
  });

  it('an unknown or absent character set reads bytes as ISO 8859-1 and never throws', () => {
    expect(characterSet('ISO_IR 999').decode(Buffer.from('Caf\xe9', 'latin1'))).toBe('Café');
    expect(characterSet(undefined).decode(Buffer.from('Plain'))).toBe('Plain');
    expect(characterSet('\\ISO 2022 IR 87').decode(Buffer.from(`${ESC}$B;`, 'latin1'))).toBeTypeOf('string');
  });
});
