// Evacuate from the Hosts view: the host holding the demo workload, with a client connected from its management
// address beside it; the panel shows the plan (the demo moves, the client and sshd stay, with why), runs the
// evacuation as one task and ends with the report; the peer saw no reset or reconnect.
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Dashboard, EvacuatePanel } from './pages/dashboard';
import { e2eRun, SCREENSHOTS } from './run-state';

interface LabStatus {
  serviceAddress: { holder: string };
  hosts: { name: string; address: string }[];
  witness?: {
    connections: { clientId?: string; closeReason: string; intact: boolean | null }[];
    clients: { clientId: string; reconnects: number }[];
  };
}

test('evacuate the demo’s host from the Hosts view: plan, one task with each tree, the report', async ({ page }) => {
  const run = e2eRun();
  const ferry = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(process.cwd(), 'bin', 'ferry.mjs'), ...args], { env: { ...process.env, FERRY_LAB: run.lab } }).toString();
  const status = () => JSON.parse(ferry('lab', 'status', '--json')) as LabStatus;
  const before = status();
  const holder = before.serviceAddress.holder;
  const other = holder === 'lab-a' ? 'lab-b' : 'lab-a';
  const mgmt = before.hosts.find((h) => h.name === holder)?.address ?? '';
  const client = ferry('lab', 'exec', holder, '--', 'socat', '-u', 'EXEC:sleep 600', `TCP:198.18.0.1:7000,bind=${mgmt}`).trim();
  try {
    const ui = new Dashboard(page);
    await page.goto(run.url);
    await ui.hosts.expectReady('lab-a');
    await ui.hosts.expectReady('lab-b');
    const evac = new EvacuatePanel(page, holder);
    await evac.open();
    await expect(evac.destination(other)).toBeChecked();
    await evac.panel.getByRole('button', { name: 'Show plan' }).click();
    await expect(evac.moves()).toContainText(`${run.demoPid} (node)`, { timeout: 60_000 });
    await expect(evac.stays()).toContainText(`${client} (socat)`);
    await expect(evac.stays()).toContainText(`${mgmt} is the address Ferry manages ${holder} through`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'evacuate-plan.png'), fullPage: true });

    await evac.panel.getByRole('button', { name: 'Start evacuation' }).click();
    await expect(evac.trees()).toContainText(`${run.demoPid} (node)`);
    await expect(evac.report()).toContainText('1 moved', { timeout: 150_000 });
    await expect(evac.report()).toContainText(`${client} (socat) stayed: [ADDRESS_IS_MANAGEMENT]`);
    await expect(evac.trees().getByText('moved', { exact: true })).toBeVisible();
    await expect(evac.trees()).toContainText(/\d+ ms/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'evacuate-done.png'), fullPage: true });

    // Judged from the peer: the demo's connections are the same ones, open and intact, none reconnected.
    const after = status();
    expect(after.serviceAddress.holder).toBe(other);
    const demo = (s: LabStatus) => s.witness?.connections.filter((c) => c.clientId === 'demo' && c.closeReason === 'open') ?? [];
    expect(demo(after).length).toBeGreaterThan(0);
    expect(demo(after).length).toBe(demo(before).length);
    expect(demo(after).every((c) => c.intact !== false)).toBe(true);
    expect(after.witness?.clients.filter((c) => c.clientId === 'demo').every((c) => c.reconnects === 0)).toBe(true);
  } finally {
    ferry('lab', 'exec', holder, '--', 'kill', client);
  }
});
