// "Prepare" in the Hosts view: lab-b with Ferry's CRIU hidden (an empty tmpfs over /opt/ferry in its own mount
// namespace) is not ready; Prepare pushes the prefix and the row turns ready. The tmpfs goes at the end.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Dashboard } from './pages/dashboard';
import { e2eRun } from './run-state';

const root = path.resolve(import.meta.dirname, '..');

function labBInit(lab: string): number {
  const out = execFileSync(process.execPath, [path.join(root, 'bin', 'ferry.mjs'), 'lab', 'status', '--json'], {
    env: { ...process.env, FERRY_LAB: lab },
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { hosts: { name: string; initPid: number }[] }).hosts.find((h) => h.name === 'lab-b')?.initPid ?? 0;
}

test('Prepare beside a failed CRIU check makes the host ready', async ({ page }) => {
  const run = e2eRun();
  const inB = (argv: string[]) => execFileSync('nsenter', ['-t', String(labBInit(run.lab)), '--mount', '--', ...argv], { encoding: 'utf8' });
  inB(['mount', '-t', 'tmpfs', '-o', 'size=512m,mode=755', 'ferry-e2e-hidden', '/opt/ferry']);
  try {
    const ui = new Dashboard(page);
    await page.goto(run.url);
    const row = ui.hosts.row('lab-b');
    await expect(row.getByText('Not ready', { exact: true })).toBeVisible({ timeout: 60_000 });
    await expect(row.getByRole('list', { name: 'Problems on lab-b' })).toContainText('ferry hosts prepare lab-b');
    await row.getByRole('button', { name: 'Prepare lab-b' }).click();
    await expect(row.getByRole('list', { name: 'Prepared lab-b' })).toContainText('checksum verified on lab-b', { timeout: 120_000 });
    await ui.hosts.expectReady('lab-b');
    await expect(row.getByRole('button', { name: 'Prepare lab-b' })).toHaveCount(0);
  } finally {
    inB(['umount', '/opt/ferry']);
  }
});
