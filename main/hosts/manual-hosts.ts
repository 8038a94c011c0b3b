// Hosts added by hand in the dashboard: an ssh_config file Ferry owns in its state folder.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { ValidParams } from '../../app/contract/contract';
import { appendPrivateFile, ensurePrivateDir } from '../store/private-files';
import { stateDir } from '../store/record-store';

/** Where hosts added by hand are kept (ssh_config syntax, read with the rest of the inventory). */
export function manualHostsFile(): string {
  return process.env.FERRY_MANUAL_HOSTS ?? path.join(stateDir(), 'hosts.ssh_config');
}

/** The ssh_config block for a host (every value was validated by the contract's schema). */
export function hostBlock(h: ValidParams<'hosts:add'>): string {
  const lines = [`Host ${h.name}`, `  HostName ${h.hostName}`, `  User ${h.user}`, `  Port ${h.port}`];
  if (h.proxyJump) lines.push(`  ProxyJump ${h.proxyJump}`);
  return `${lines.join('\n')}\n`;
}

/** Appends a host; refuses a name the file already has. */
export function addManualHost(h: ValidParams<'hosts:add'>, known: readonly string[]): string {
  const file = manualHostsFile();
  if (known.some((n) => n.toLowerCase() === h.name.toLowerCase())) {
    throw new FerryError({ code: 'BAD_INPUT', message: `a host named "${h.name}" is already in the inventory`, hint: 'pick another name' });
  }
  // The state folder is narrowed to 0700; a folder named by FERRY_MANUAL_HOSTS is only created (0700), not changed.
  if (process.env.FERRY_MANUAL_HOSTS === undefined) ensurePrivateDir(path.dirname(file));
  else mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const header = existsSync(file) ? '' : '# Hosts added in the Ferry dashboard (ssh_config syntax)\n';
  appendPrivateFile(file, `${header}\n${hostBlock(h)}`);
  return file;
}
