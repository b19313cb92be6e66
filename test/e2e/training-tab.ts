// The Training tab's form as a user fills it, for the e2e tests that train from the UI.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface TrainingForm {
  name: string;
  variant: string;
  mode: string;
  resolution: number;
  window: string;
  epochs: string;
  /** The backbone weights to start from, by the start of their option's text. */
  weights?: RegExp;
}

/** Fills the form (augmentation off), starts training and waits until it finished, which it must. */
export async function trainFromTab(page: Page, form: TrainingForm): Promise<void> {
  const panel = page.getByRole('tabpanel', { name: 'Training' });
  await panel.getByLabel('Name', { exact: true }).fill(form.name);
  await panel.getByLabel('Backbone', { exact: true }).selectOption(form.variant);
  await panel.getByLabel('Mode', { exact: true }).selectOption(form.mode);
  await panel.getByLabel('Resolution', { exact: true }).fill(String(form.resolution));
  await panel.getByLabel('Window', { exact: true }).selectOption(form.window);
  await panel.getByLabel('Epochs', { exact: true }).fill(form.epochs);
  if (await panel.getByLabel('Augment', { exact: true }).isChecked()) await panel.getByLabel('Augment', { exact: true }).uncheck();
  if (form.weights) {
    const weights = panel.getByLabel('Backbone weights', { exact: true });
    const option = weights.locator('option').filter({ hasText: form.weights });
    await option.waitFor({ state: 'attached', timeout: 30_000 });
    await weights.selectOption((await option.getAttribute('value'))!);
  }
  await panel.getByRole('button', { name: 'Start training' }).click();
  // The finished run shows its package (the previous run's result is cleared at start);
  // a failed one says so in the status line.
  const done = panel.getByText(new RegExp(`^Package: .*${form.name}$`)).or(panel.getByRole('status').filter({ hasText: 'Training failed' }));
  await done.first().waitFor({ timeout: 300_000 });
  expect(await panel.getByRole('status').textContent()).toBe('Training finished.');
}
