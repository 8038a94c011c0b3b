// Writes the lab's ssh_config-style inventory: lab-a and lab-b reached through their namespaces.
import { writeFileSync } from 'node:fs';
import { LAB_HOSTS, labPaths } from './lab-config';

/** ssh_config text for the lab hosts (ProxyCommand enters the host's network namespace). */
export function labInventoryText(): string {
  const p = labPaths();
  const blocks = LAB_HOSTS.filter((h) => h.inInventory).map((h) =>
    [
      `Host ${h.name}`,
      `  HostName ${h.address}`,
      '  User root',
      '  Port 22',
      `  IdentityFile ${p.clientKey}`,
      `  UserKnownHostsFile ${p.knownHosts}`,
      `  ProxyCommand nsenter --net=/run/netns/${h.netns} nc %h %p`,
    ].join('\n'),
  );
  return `# Ferry lab inventory (written by ferry lab up)\n${blocks.join('\n\n')}\n`;
}

/** Writes the inventory file into the lab folder. */
export function writeLabInventory(): void {
  writeFileSync(labPaths().inventory, labInventoryText());
}
