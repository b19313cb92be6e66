// Names in their own scripts (issue #16, point 2): in Debian's Chromium against the real
// engine, files made by dcmtk with Japanese (ISO 2022 IR 87), Korean (ISO 2022 IR 149),
// Chinese (GB18030) and Greek (ISO_IR 126) names show decoded in the study list and the
// corner text, and the search finds them by what the list shows. Screenshot:
// test-results/study-list-charsets.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { fileWithName, NAMES } from '../dicom/charset-fixtures';

const SHOWN = ['Yamada, Tarou (山田 太郎)', 'Hong, Gildong (洪 吉洞)', 'Wang, XiaoDong (王 小东)', 'Διονυσιος'];

describe('names in their character sets', () => {
  let incoming: string;
  const session = useUiSession('lumen-charsets', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    for (const start of ['Japanese, ISO 2022 IR 87', 'Korean', 'Chinese, GB18030', 'Greek, ISO_IR 126']) {
      const [label, charset, bytes] = NAMES.find((n) => n[0].startsWith(start))!;
      fileWithName(incoming, label.replace(/\W+/g, '-'), charset, bytes);
    }
  });

  it('the study list, the search and the corner text show the decoded names', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '4 images imported' }).waitFor({ timeout: 60_000 });
    const list = page.getByTestId('study-list');
    const names = () => list.locator('span.strong').allTextContents();
    await expect.poll(names, { timeout: 30_000 }).toEqual(expect.arrayContaining(SHOWN));
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-charsets.png') });

    const search = page.getByLabel('Search studies');
    await search.fill('山田');
    await expect.poll(() => names()).toEqual([SHOWN[0]]);
    await search.fill('Hong, Gildong');
    await expect.poll(() => names()).toEqual([SHOWN[1]]);
    await search.fill('Διον');
    await expect.poll(() => names()).toEqual([SHOWN[3]]);
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-charsets-search.png') });

    // Open the Japanese study's series.
    await search.fill('山田');
    await expect.poll(() => names()).toEqual([SHOWN[0]]);
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').waitFor();
    await expect.poll(() => page.locator('.corner.tl').innerText()).toContain(SHOWN[0]);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-charset-corner.png') });
    expect(errors).toEqual([]);
  });
});
