// The Hosts view filters the inventory by its Ansible groups (global-setup adds an INI inventory grouping the lab).
import { expect, test } from '@playwright/test';
import { Dashboard } from './pages/dashboard';
import { e2eRun } from './run-state';

test('the Hosts view filters by inventory group', async ({ page }) => {
  const ui = new Dashboard(page);
  await page.goto(e2eRun().url);
  await expect(ui.hosts.row('lab-a')).toBeVisible();
  await expect(ui.hosts.row('lab-b')).toBeVisible();
  await ui.hosts.filterGroup('sources');
  await expect(ui.hosts.row('lab-a')).toBeVisible();
  await expect(ui.hosts.row('lab-b')).toHaveCount(0);
  await ui.hosts.filterGroup('lab');
  await expect(ui.hosts.row('lab-a')).toBeVisible();
  await expect(ui.hosts.row('lab-b')).toBeVisible();
  await ui.hosts.filterGroup('targets');
  await expect(ui.hosts.row('lab-a')).toHaveCount(0);
  await expect(ui.hosts.row('lab-b')).toBeVisible();
  await ui.hosts.filterGroup('');
  await expect(ui.hosts.row('lab-a')).toBeVisible();
});
