// A DICOMweb connection given the server's address instead of its DICOMweb root (Orthanc's REST
// root, not its /dicom-web): a real Orthanc answers the study query HTTP 400 there; Lumen says to
// check the base URL and what Orthanc's looks like. A wrong path under the server (HTTP 404) too.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lumen, usePacsFixture } from './support';

const fixture = usePacsFixture('dicomweb-base-hint');

describe('a DICOMweb base URL that is not the DICOMweb root', () => {
  it('names the base URL to check, with the form of Orthanc\'s, on a 400 or 404 at the root', async () => {
    const { orthanc } = fixture;
    const data = path.join(fixture.scratch, 'data');
    const root = orthanc.dicomWebUrl.replace(/\/dicom-web$/, '');
    for (const [name, url] of [['webroot', root], ['webpath', `${root}/dicomweb`]] as const) {
      expect((await lumen(data, ['pacs', 'add', '--name', name, '--dicomweb', url, '--user', orthanc.user, '--password-stdin'], orthanc.password)).code).toBe(0);
    }
    const atRoot = await lumen(data, ['pacs', 'query', '--pacs', 'webroot']);
    expect(atRoot.stderr).toContain(`lumen pacs: PACS "webroot" answered HTTP 400 when asked to query studies: check the DICOMweb base URL (${root}); Orthanc's, for example, is http://<host>:8042/dicom-web.`);
    expect(atRoot.code).toBe(1);
    const wrongPath = await lumen(data, ['pacs', 'query', '--pacs', 'webpath']);
    expect(wrongPath.stderr).toContain(`has no such resource (HTTP 404) when asked to query studies: check the DICOMweb base URL (${root}/dicomweb); Orthanc's, for example, is http://<host>:8042/dicom-web.`);
    // The right root still queries.
    expect((await lumen(data, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password)).code).toBe(0);
    expect((await lumen(data, ['pacs', 'query', '--pacs', 'web'])).code).toBe(0);
  }, 120_000);
});
