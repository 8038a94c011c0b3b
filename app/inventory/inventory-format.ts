// Tells an inventory file's format (ssh_config, Ansible INI or YAML) and reads an Ansible one into ssh_config
// items plus each host's groups.
import { ansibleConfig, ansibleHosts } from './ansible-inventory';
import { parseAnsibleIni } from './ansible-ini';
import { parseAnsibleYaml } from './ansible-yaml';
import type { HostHookDeclaration } from '../model/host';
import type { SshConfigFile } from './ssh-config';

export type InventoryFormat = 'ssh_config' | 'ansible-ini' | 'ansible-yaml';

/**
 * By extension (`.yml`/`.yaml`, `.ini`), else by the first line that says something: `---` or `NAME:` is YAML,
 * `[group]` or a line setting an `ansible_…` variable is INI; anything else is ssh_config.
 */
export function detectInventoryFormat(file: string, text: string): InventoryFormat {
  if (/\.ya?ml$/i.test(file)) return 'ansible-yaml';
  if (/\.ini$/i.test(file)) return 'ansible-ini';
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith(';'));
  const first = lines[0] ?? '';
  if (first === '---' || /^[A-Za-z0-9_.-]+:(\s+#.*)?$/.test(first)) return 'ansible-yaml';
  if (/^\[[^\]]+\]$/.test(first)) return 'ansible-ini';
  if (/^(host|match|include)\b/i.test(first)) return 'ssh_config';
  if (lines.some((l) => /(^|\s)ansible_[a-z_]+=/.test(l))) return 'ansible-ini';
  return 'ssh_config';
}

/** An Ansible inventory as ssh_config items, with every host's groups (by lower-case name). */
export function readAnsibleInventory(
  text: string,
  source: string,
  format: 'ansible-ini' | 'ansible-yaml',
): { config: SshConfigFile; groups: Map<string, string[]>; hooks: Map<string, HostHookDeclaration> } {
  const tree = format === 'ansible-ini' ? parseAnsibleIni(text, source) : parseAnsibleYaml(text, source);
  const { hosts, warnings } = ansibleHosts(tree);
  const hooks = new Map(hosts.flatMap((h) => (h.addressHook ? [[h.name.toLowerCase(), h.addressHook] as const] : [])));
  return { config: ansibleConfig(hosts, source, warnings), groups: new Map(hosts.map((h) => [h.name.toLowerCase(), h.groups])), hooks };
}
