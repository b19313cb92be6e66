// `lumen pacs` refuses what was typed wrong before contacting anything, naming the value, with
// exit code 2 as a mistyped option is (1 stays for what failed: a PACS, a file): a study date that
// is no calendar day, alone or at either end of a range; a DIMSE address, port or AE title that is
// not one; a connection name that is none of them, or taken already. And "remove" speaks of stored
// credentials only where there were some.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../library/fixtures';
import { lumen } from './support';

const scratch = tmpDir('pacs-cli-usage');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('lumen pacs: what was typed wrong', () => {
  const data = path.join(scratch, 'data');

  it('checks study dates as DICOM DA values and ranges, naming the value', async () => {
    // Port 9 on loopback: nothing may be contacted, and nothing is (the refusal comes first).
    expect((await lumen(data, ['pacs', 'add', '--name', 'orth', '--dimse', 'ORTHANC@127.0.0.1:9'])).code).toBe(0);
    const refusals: [string, string][] = [
      ['20241301', 'Study date "20241301" is not a date (there is no month 13): write YYYYMMDD, e.g. 20240131 (--study-date).'],
      ['20230229', 'Study date "20230229" is not a date (February 2023 has 28 days)'],
      ['20240100', 'Study date "20240100" is not a date (there is no day 00)'],
      ['20240101-20240431', 'Study date "20240101-20240431": 20240431 is not a date (April 2024 has 30 days)'],
      ['20241232-', 'Study date "20241232-": 20241232 is not a date (December 2024 has 31 days)'],
      ['-20240001', 'Study date "-20240001": 20240001 is not a date (there is no month 00)'],
      ['2024-01-01', 'Study date "2024-01-01" is not a date or range'],
      ['20241231-20240101', 'Study date 20241231-20240101 ends before it starts'],
    ];
    for (const [value, message] of refusals) {
      const run = await lumen(data, ['pacs', 'query', '--pacs', 'orth', `--study-date=${value}`]);
      expect(run.stderr, value).toContain(message);
      expect(run.code, value).toBe(2);
    }
    // A real day, a leap day and open ranges pass the check: what follows is the PACS not answering (exit 1).
    for (const value of ['20240229', '20240101-', '-20241231', '20240101-20241231']) {
      const run = await lumen(data, ['pacs', 'query', '--pacs', 'orth', `--study-date=${value}`, '--timeout', '3']);
      expect(run.stderr, value).toMatch(/cannot reach PACS "orth"/);
      expect(run.code, value).toBe(1);
    }
  }, 120_000);

  it('exits 2 for every value typed wrong, and 1 for a PACS that fails', async () => {
    const cases: [string[], string][] = [
      [['add', '--name', 'x', '--dimse', '127.0.0.1:4242'], '"127.0.0.1:4242" is not a DIMSE address'],
      [['add', '--name', 'x', '--dimse', 'ORTHANC@127.0.0.1:99999'], 'port 99999 is out of range (1–65535).'],
      [['add', '--name', 'x', '--dimse', 'A'.repeat(22) + '@127.0.0.1:4242'], `the called AE title "${'A'.repeat(22)}" is not valid`],
      [['add', '--name', 'x', '--dicomweb', 'ftp://pacs.invalid/'], 'a DICOMweb URL starts with http:// or https://'],
      [['add', '--name', 'orth', '--dimse', 'ORTHANC@127.0.0.1:9'], 'a PACS connection named "orth" exists already'],
      [['query'], 'name the connection with --pacs <name>'],
      [['query', '--pacs', 'nosuch'], 'no PACS connection named "nosuch" (there are: orth)'],
      [['retrieve', '--pacs', 'nosuch', '1.2.3'], 'no PACS connection named "nosuch"'],
      [['send', '--pacs', 'nosuch', scratch], 'no PACS connection named "nosuch"'],
      [['remove', 'nosuch'], 'no PACS connection named "nosuch"'],
      [['edit', 'nosuch', '--max-studies', '3'], 'no PACS connection named "nosuch"'],
      [['query', '--pacs', 'orth', '--modality', 'c t'], 'Modality "c t" is not a DICOM modality code'],
    ];
    for (const [args, message] of cases) {
      const run = await lumen(data, ['pacs', ...args]);
      expect(run.stderr, args.join(' ')).toContain(message);
      expect(run.code, args.join(' ')).toBe(2);
    }
    const unreachable = await lumen(data, ['pacs', 'query', '--pacs', 'orth', '--timeout', '3']);
    expect(unreachable.code).toBe(1);
  }, 120_000);

  it('remove names stored credentials only when there were some', async () => {
    expect((await lumen(data, ['pacs', 'add', '--name', 'web', '--dicomweb', 'https://pacs.invalid/dicom-web', '--bearer-stdin'], 'token-xyz')).code).toBe(0);
    const dimse = await lumen(data, ['pacs', 'remove', 'orth']);
    expect(dimse.stdout).toBe('Removed PACS connection "orth".\n');
    const web = await lumen(data, ['pacs', 'remove', 'web']);
    expect(web.stdout).toBe('Removed PACS connection "web" and its stored credentials.\n');
  }, 60_000);
});
