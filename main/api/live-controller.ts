// The dashboard's controller: like createController, but the inventory is re-read when it changes (the lab came
// up, a host was added) and hosts added by hand are included.
import { existsSync, statSync } from 'node:fs';
import type { SshHostSpec } from '../../app/inventory/ssh-config';
import { inventoryFiles } from '../controller/controller';
import { loadInventory, type Inventory } from '../hosts/inventory';
import { SshExecutor } from '../hosts/ssh-executor';
import { SshPool } from '../hosts/ssh-pool';
import { manualHostsFile } from './manual-hosts';

export interface LiveController {
  /** The inventory as of now (re-read when any of its files changed). */
  inventory(): Inventory;
  exec: SshExecutor;
  resolveHost(name: string): SshHostSpec;
  close(): Promise<void>;
}

/** Builds the live controller; nothing connects until a request runs. */
export function createLiveController(opts: { userConfig?: boolean } = {}): LiveController {
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
  const pool = new SshPool({ resolveJumpHost: (n) => inventory().resolveAny(n), maxSessionsPerConnection: 32 });
  const exec = new SshExecutor({ pool, resolveHost: (n) => inventory().resolveHost(n) });
  return { inventory, exec, resolveHost: (n) => inventory().resolveHost(n), close: () => exec.close() };
}
