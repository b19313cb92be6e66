// The setup of the measurement list's e2e tests: one patient's series of two CT slices at 0.7 mm
// (two images, so cine and its speed show), imported in the app and opened at its first image.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ctSlice } from '../support/dicom/phantom';
import { writeCtImage } from '../support/dicom/ct-image';
import { viewerReady } from '../support/browser';
import { PHANTOM_SIZE } from '../support/phantom-series';

/** Writes the two slices into <dataDir>/incoming: series `${uid}.2`, patient `name`/`id`. */
export function writeTwoCtImages(dataDir: string, uid: string, patient: { name: string; id: string }): void {
  const dir = path.join(dataDir, 'incoming');
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 2; i++) {
    writeCtImage(path.join(dir, `im${i + 1}.dcm`), {
      size: PHANTOM_SIZE,
      pixels: ctSlice(PHANTOM_SIZE, PHANTOM_SIZE, 500 + i * 10, 15),
      frames: 1,
      uid,
      patient,
      instance: i + 1,
      extra: { 0x00280030: { vr: 'DS', value: [0.7, 0.7] } },
    });
  }
}

/** Imports <dataDir>/incoming in the app, opens the study whose name matches `study`, and waits for its first image. */
export async function importAndOpenTwo(page: Page, dataDir: string, study: RegExp): Promise<void> {
  await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-report').filter({ hasText: '2 images' }).waitFor({ timeout: 120_000 });
  await page.getByRole('listitem', { name: study }).getByTestId('series-card').click();
  await page.getByTestId('image-index').filter({ hasText: 'Im 1/2' }).waitFor({ timeout: 60_000 });
  await viewerReady(page);
}
