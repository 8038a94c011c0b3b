// Rehearse then migrate from the dashboard, against the bridge and the real lab: the rehearsal's verdict and its
// predicted freeze per mode, then the migration, whose review shows the prediction beside the measurement.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Dashboard } from './pages/dashboard';
import { e2eRun, SCREENSHOTS } from './run-state';

test('rehearse, then migrate: the review shows the predicted and the measured freeze', async ({ page }) => {
  const run = e2eRun();
  const ferry = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(process.cwd(), 'bin', 'ferry.mjs'), ...args], { env: { ...process.env, FERRY_LAB: run.lab } }).toString();
  const holder = (JSON.parse(ferry('lab', 'status', '--json')) as { serviceAddress: { holder: string } }).serviceAddress.holder;
  const ui = new Dashboard(page);
  await page.goto(run.url);
  await ui.hosts
    .row(holder)
    .getByRole('button', { name: `Processes on ${holder}` })
    .click();
  await ui.processes.search.fill('demo-workload');
  await ui.processes.item(holder, new RegExp(`^${run.demoPid} node .*demo-workload`)).click();
  await ui.processes.migrateButton().click();
  await expect(ui.migrate.planHeading()).toBeVisible({ timeout: 60_000 });

  await test.step('rehearse: nothing frozen, findings, the predicted freeze of every mode', async () => {
    await expect(page.getByLabel(/with a real dump/)).not.toBeChecked();
    await ui.migrate.rehearseButton.click();
    await expect(ui.migrate.rehearsalHeading()).toHaveText('Rehearsal: the migration would start', { timeout: 120_000 });
    await expect(page.getByText(/nothing frozen, nothing left behind/)).toBeVisible();
    await expect(page.getByRole('list', { name: 'Rehearsal findings' })).toContainText('unix sockets');
    const table = ui.migrate.predictions();
    await expect(table.getByRole('row')).toHaveCount(4);
    await expect(table.getByRole('row').filter({ hasText: '(plan)' })).toContainText(/\d+ ms/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'migrate-rehearsal.png'), fullPage: true });
  });

  await test.step('migrate: the record keeps the rehearsal’s prediction, the review shows both', async () => {
    await ui.migrate.runButton.click();
    await expect(ui.migrate.outcome()).toHaveText('Succeeded', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Review timings' }).click();
    const compared = page.getByRole('table', { name: 'Predicted and measured freeze' });
    await expect(compared).toBeVisible();
    const total = compared.getByRole('row').filter({ hasText: /^freeze/ });
    await expect(total).toContainText(/\d+ ms\d+ ms[+-]?\d+ %/);
    await expect(page.getByText('from the rehearsal')).toBeVisible();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-prediction.png'), fullPage: true });
  });
});
