// `ferry hosts` and `ferry check HOST`: the inventory and each host's readiness.
import type { Command } from 'commander';
import { hostsInGroup } from '../../../app/inventory/host-groups';
import { createController } from '../../controller/controller';
import { checkHost } from '../../engine/host-readiness';
import { action, printJson, table } from '../output';
import { registerPrepare } from './prepare';
import { registerTrust } from './trust';

/** Registers `hosts` (with `hosts trust`) and `check`. */
export function registerHosts(program: Command): void {
  const hosts = program
    .command('hosts')
    .description('list the inventory (the lab, FERRY_INVENTORY files: ssh_config or Ansible INI/YAML, ~/.ssh/config)')
    .option('--json', 'print as JSON')
    .option('--group <name>', 'only the hosts of this inventory group')
    .action(
      action(async (o: { json?: boolean; group?: string }) => {
        const c = createController();
        const hosts = hostsInGroup(c.inventory().hosts, o.group ?? '');
        if (o.json) return printJson({ hosts, warnings: c.inventory().warnings });
        if (!hosts.length) {
          console.log('no hosts: bring up the lab (ferry lab up) or add Host entries to ~/.ssh/config');
          for (const w of c.inventory().warnings) console.error(`warning: ${w}`);
          return;
        }
        const rows = [['HOST', 'ADDRESS', 'USER', 'PORT', 'VIA', 'GROUPS', 'FROM']];
        for (const h of hosts)
          rows.push([
            h.name,
            h.hostName,
            h.user,
            String(h.port),
            h.proxyJump ? `jump ${h.proxyJump}` : h.proxyCommand ? 'command' : '-',
            h.groups?.join(',') || '-',
            h.source,
          ]);
        console.log(table(rows));
        for (const w of c.inventory().warnings) console.error(`warning: ${w}`);
      }),
    );
  registerTrust(hosts);
  registerPrepare(hosts);

  program
    .command('check')
    .description('readiness of a host: SSH, privileges, CRIU and kernel, criu check, tools')
    .argument('<host>', 'inventory name')
    .option('--json', 'print as JSON')
    .action(
      action(async (host: string, o: { json?: boolean }) => {
        const c = createController();
        c.resolveHost(host);
        const { ready, checks } = await checkHost(c, host).finally(() => c.close());
        if (o.json) printJson({ host, ready, checks });
        else {
          for (const x of checks) {
            console.log(`${x.ok ? '✓' : x.warning ? '!' : '✗'} ${x.name.padEnd(11)} ${x.detail}`);
            if (!x.ok && x.fix) console.log(`  fix: ${x.fix}`);
          }
          console.log(ready ? `${host}: ready` : `${host}: NOT ready`);
        }
        if (!ready) process.exitCode = 1;
      }),
    );
}
