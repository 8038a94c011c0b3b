// The controller's wiring: inventory (lab + ~/.ssh/config + FERRY_INVENTORY), SSH pool and executor.
import { existsSync } from 'node:fs';
import type { HostSpec } from '../../app/model/host';
import { loadInventory, type Inventory } from '../hosts/inventory';
import { SshExecutor } from '../hosts/ssh-executor';
import { SshPool } from '../hosts/ssh-pool';
import { labPaths } from '../lab/lab-config';
import { criuCandidates } from '../net/host-probe';

/** What every command needs to reach hosts. */
export interface Controller {
  inventory: Inventory;
  exec: SshExecutor;
  resolveHost(name: string): HostSpec;
  close(): Promise<void>;
}

/** Inventory files: the lab's (when up), FERRY_INVENTORY (colon-separated), then ~/.ssh/config. */
export function inventoryFiles(): { path: string; source: string }[] {
  const files: { path: string; source: string }[] = [];
  const lab = labPaths().inventory;
  if (existsSync(lab)) files.push({ path: lab, source: 'lab' });
  for (const f of (process.env.FERRY_INVENTORY ?? '').split(':').filter(Boolean)) files.push({ path: f, source: f });
  return files;
}

/** Builds the controller (BAD_INPUT for a malformed FERRY_CRIU); nothing connects until a command runs. */
export function createController(opts: { userConfig?: boolean } = {}): Controller {
  // Settings are refused here, before any command can open a connection with them.
  criuCandidates();
  const inventory = loadInventory({ files: inventoryFiles(), userConfig: opts.userConfig ?? true });
  const pool = new SshPool({
    resolveJumpHost: (name) => inventory.resolveAny(name),
    maxSessionsPerConnection: 32,
  });
  const exec = new SshExecutor({ pool, resolveHost: (n) => inventory.resolveHost(n) });
  return {
    inventory,
    exec,
    resolveHost: (n) => inventory.resolveHost(n),
    close: () => exec.close(),
  };
}
