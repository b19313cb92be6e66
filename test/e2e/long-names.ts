// A library and a package with long snake_case names, for the e2e tests of how side panels,
// plots and the report show names without spaces (training-results-text, plots-long-names).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { writePhantomSet } from '../training/phantoms';

export const LONG = 'chest_triage_efficientnet_b3_v12_pneumothorax_adult';
/** The phantoms' classes (none, round, elongated) under long snake_case names. */
export const CLASSES: Record<string, string> = { none: 'no_acute_finding_reported', round: 'nodule_round_solitary', elongated: 'pneumothorax_tension_suspected' };

/** Imports 24 phantom patients into <dataDir>/library, labels them with CLASSES and trains package LONG (head mode on a tiny backbone) into <dataDir>/models. */
export async function trainLongNamedPackage(dataDir: string, epochs: number): Promise<void> {
  await initBackend('cpu');
  const set = writePhantomSet(path.join(dataDir, 'incoming', 'phantoms'), { patients: 24, slices: 2, seed: 21 });
  const csv = path.join(dataDir, 'labels.csv');
  writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...set.patients.map((p) => `${p.patientId},${p.seriesUid},${CLASSES[p.label]}`)].join('\n') + '\n');
  const library = Library.open(path.join(dataDir, 'library'));
  try {
    expect((await library.importPaths([set.dir])).errors).toEqual([]);
    importLabelsCsvFile(library, csv, { author: 'tester' });
    await trainClassifier({ library, out: path.join(dataDir, 'models', LONG), name: LONG, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs, seed: 1 });
  } finally {
    library.close();
  }
}

/** At 1280×800, opens the first series and shows the side panel (a window under 1200 px hides it until the user chooses it: shown, and kept). */
export async function openWithSidePanel(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
  await page.getByTestId('series-card').first().click({ timeout: 60_000 });
  await page.getByTestId('image-index').filter({ hasText: /^Im 1\// }).waitFor({ timeout: 60_000 });
  const toggle = page.getByTestId('toggle-side-panel');
  await toggle.click();
  await page.locator('[data-testid="toggle-side-panel"][aria-pressed="false"]').waitFor();
  await toggle.click();
  await page.locator('[data-testid="toggle-side-panel"][aria-pressed="true"]').waitFor();
}

/** Opens the side panel's Training tab and shows package LONG in "Results of a model": the tab's panel, the view, and its results once their test figures are drawn. */
export async function showLongNamedResults(page: Page): Promise<{ panel: Locator; view: Locator; results: Locator }> {
  await openWithSidePanel(page);
  await page.getByRole('tab', { name: 'Training' }).click();
  const panel = page.getByRole('tabpanel', { name: 'Training' });
  const view = panel.locator('.package-results');
  await view.scrollIntoViewIfNeeded();
  const select = view.getByLabel('Model package');
  await select.selectOption({ label: (await select.locator('option', { hasText: LONG }).textContent())! });
  await view.getByRole('button', { name: 'Show results' }).click();
  const results = view.getByTestId('run-results');
  await results.getByTestId('test-figures').waitFor({ timeout: 60_000 });
  return { panel, view, results };
}
