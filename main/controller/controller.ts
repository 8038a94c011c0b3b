// The controller's one wiring, for the CLI and the dashboard: the inventory (the lab, FERRY_INVENTORY,
// ~/.ssh/config and hosts added by hand, re-read when one of its files changes), the SSH pool and executor, and
// where CRIU is on the hosts (FERRY_CRIU). Environment variables are read here, not in the engine.
import { existsSync, statSync } from 'node:fs';
import type { SshHostSpec } from '../../app/inventory/ssh-config';
import { loadInventory, type Inventory } from '../hosts/inventory';
import { manualHostsFile } from '../hosts/manual-hosts';
import { SshExecutor } from '../hosts/ssh-executor';
import { SshPool } from '../hosts/ssh-pool';
import { labPaths } from '../lab/lab-config';
import { criuCandidates } from '../net/host-probe';

/** What every command needs to reach hosts. */
export interface Controller {
  /** The inventory as of now (re-read when any of its files changed). */
  inventory(): Inventory;
  exec: SshExecutor;
  resolveHost(name: string): SshHostSpec;
  /** Where to look for CRIU on the hosts, in order. */
  criu: readonly string[];
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

/** The inventory as of now, re-read when one of its files (hosts added by hand included) changed. */
export function liveInventory(opts: { userConfig?: boolean } = {}): () => Inventory {
  let current: Inventory | undefined;
  let stamp = '';
  const files = () => {
    const list = inventoryFiles();
    const manual = manualHostsFile();
    if (existsSync(manual)) list.push({ path: manual, source: manual });
    return list;
  };
  const inventory = () => {
    const list = files();
    const now = list.map((f) => `${f.path}:${existsSync(f.path) ? statSync(f.path).mtimeMs : '-'}`).join('|');
    if (!current || now !== stamp) {
      current = loadInventory({ files: list, userConfig: opts.userConfig ?? true });
      stamp = now;
    }
    return current;
  };
  return inventory;
}

/** Builds the controller (BAD_INPUT for a malformed FERRY_CRIU or inventory); nothing connects until a command runs. */
export function createController(opts: { userConfig?: boolean } = {}): Controller {
  // Settings are refused here, before any command can open a connection with them.
  const criu = criuCandidates();
  const inventory = liveInventory(opts);
  const pool = new SshPool({ resolveJumpHost: (n) => inventory().resolveAny(n), maxSessionsPerConnection: 32 });
  const exec = new SshExecutor({ pool, resolveHost: (n) => inventory().resolveHost(n) });
  return { inventory, exec, resolveHost: (n) => inventory().resolveHost(n), criu, close: () => exec.close() };
}
