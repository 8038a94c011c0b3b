import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ansibleHosts, expandHostPattern } from './ansible-inventory';
import { parseAnsibleIni, splitIniLine } from './ansible-ini';
import { parseAnsibleYaml } from './ansible-yaml';
import { detectInventoryFormat, readAnsibleInventory } from './inventory-format';
import { resolveSshHost } from './ssh-config';

const fx = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

// What both fixtures (one inventory, two formats) mean, with Ansible's precedence: host, then the deepest group.
const EXPECTED = [
  { name: 'mail.example.com', hostName: '192.0.2.10', user: 'root', port: '22', groups: [] },
  { name: 'web01.example.com', user: 'deploy', port: '22', groups: ['prod', 'webservers'] },
  { name: 'web02.example.com', user: 'deploy', port: '22', groups: ['prod', 'webservers'] },
  { name: 'web03.example.com', user: 'deploy', port: '22', groups: ['prod', 'webservers'] },
  { name: 'edge.example.com', hostName: '192.0.2.30', user: 'web', port: '2222', groups: ['prod', 'webservers'] },
  { name: 'db-a', hostName: '2001:db8::a', user: 'postgres', port: '2200', groups: ['dbservers', 'prod'] },
  { name: 'db-b', hostName: '192.0.2.21', user: 'ops', port: '5022', groups: ['dbservers', 'prod'] },
];

describe('Ansible inventories', () => {
  it('reads the INI fixture: ranges, host:port, inline and group variables, children, precedence', () => {
    const r = ansibleHosts(parseAnsibleIni(fx('ansible-hosts.ini'), 'hosts.ini'));
    expect(r.hosts).toEqual(EXPECTED);
    expect(r.warnings).toEqual(['hosts.ini: host "localhost" skipped: ansible_connection=local is not SSH']);
  });

  it('reads the YAML fixture to the same hosts', () => {
    const r = ansibleHosts(parseAnsibleYaml(fx('ansible-hosts.yml'), 'hosts.yml'));
    expect(r.hosts).toEqual(EXPECTED);
    expect(r.warnings).toEqual(['hosts.yml: host "localhost" skipped: ansible_connection=local is not SSH']);
  });

  it('turns the hosts into ssh_config items that resolve like Host blocks', () => {
    const { config, groups } = readAnsibleInventory(fx('ansible-hosts.ini'), 'hosts.ini', 'ansible-ini');
    const ctx = { home: '/home/op', localUser: 'op' };
    expect(resolveSshHost([config], 'db-a', ctx)).toMatchObject({ name: 'db-a', hostName: '2001:db8::a', user: 'postgres', port: 2200, source: 'hosts.ini' });
    // No ansible_host: the name is the address, as for ssh.
    expect(resolveSshHost([config], 'web02.example.com', ctx)).toMatchObject({ hostName: 'web02.example.com', user: 'deploy', port: 22 });
    expect(groups.get('edge.example.com')).toEqual(['prod', 'webservers']);
  });

  it('tells the formats apart', () => {
    expect(detectInventoryFormat('/etc/ansible/hosts', fx('ansible-hosts.ini'))).toBe('ansible-ini');
    expect(detectInventoryFormat('/etc/ansible/hosts', fx('ansible-hosts.yml'))).toBe('ansible-yaml');
    expect(detectInventoryFormat('inv.yaml', '')).toBe('ansible-yaml');
    expect(detectInventoryFormat('x.ini', 'Host a')).toBe('ansible-ini');
    expect(detectInventoryFormat('/root/.ssh/config', '# mine\nHost lab-a\n  HostName 198.18.0.2\n')).toBe('ssh_config');
    expect(detectInventoryFormat('hosts', 'web1 ansible_host=192.0.2.1\n')).toBe('ansible-ini');
    expect(detectInventoryFormat('ssh_config', 'IdentityFile ~/.ssh/id\nHost *\n')).toBe('ssh_config');
  });

  it('expands host ranges, numeric (padded) and alphabetic, with steps, and bounds them', () => {
    expect(expandHostPattern('web[1:3]', 'x')).toEqual(['web1', 'web2', 'web3']);
    expect(expandHostPattern('web[08:10].lan', 'x')).toEqual(['web08.lan', 'web09.lan', 'web10.lan']);
    expect(expandHostPattern('db-[a:c]', 'x')).toEqual(['db-a', 'db-b', 'db-c']);
    expect(expandHostPattern('n[0:10:5]', 'x')).toEqual(['n0', 'n5', 'n10']);
    expect(expandHostPattern('r[1:2]c[1:2]', 'x')).toEqual(['r1c1', 'r1c2', 'r2c1', 'r2c2']);
    expect(() => expandHostPattern('h[1:100000]', 'x')).toThrow(/more than 10000 hosts/);
    expect(() => expandHostPattern('h[0:999]x[0:999]', 'x')).toThrow(/more than 10000 hosts/);
    expect(() => expandHostPattern('h[3:1]', 'x')).toThrow(/ends before it starts/);
    expect(() => expandHostPattern('h[a:9]', 'x')).toThrow(/expected/);
  });

  it('splits INI lines like a shell: quotes, and an unquoted # ending the line', () => {
    expect(splitIniLine(`h a="b c" d='#e' # note`, 'x')).toEqual(['h', 'a=b c', 'd=#e']);
    expect(() => splitIniLine('h a="b', 'x')).toThrow(/unterminated/);
  });

  it('skips what it cannot use, with a warning, and refuses what it cannot read', () => {
    const ini = "[web]\nw1 ansible_port=ssh\nw2 ansible_host=\"{{ lookup('env', 'H') }}\"\n[bad group]\nx\n[a:children]\na2\n[a2:children]\na\n";
    expect(() => ansibleHosts(parseAnsibleIni(ini, 'i'))).toThrow(/its own ancestor/);
    const r = ansibleHosts(parseAnsibleIni(ini.split('[a:children]')[0] ?? '', 'i'));
    expect(r.hosts).toEqual([{ name: 'w2', groups: ['web'] }]);
    expect(r.warnings).toEqual([
      'i:4: section [bad group] skipped: expected [GROUP], [GROUP:vars] or [GROUP:children] with a group name of letters, digits, _ . -',
      'i: host "w1" skipped: ansible_port "ssh" is not a port',
      `i: host "w2": ansible_host is a template ({{ lookup('env', 'H') }}); not used`,
    ]);
    expect(() => parseAnsibleIni('[web]\nw1 novalue\n', 'i')).toThrow(/i:2: expected key=value/);
    expect(() => parseAnsibleYaml('all: [1, 2', 'y')).toThrow(/y: not valid YAML/);
    expect(() => parseAnsibleYaml('- a\n- b\n', 'y')).toThrow(/mapping of groups/);
    expect(() => parseAnsibleYaml('all:\n  hosts: [a, b]\n', 'y')).toThrow(/all.hosts must be a mapping/);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(', ')}]`,
      ),
    ].join('\n');
    expect(() => parseAnsibleYaml(bomb, 'y')).toThrow(/not valid YAML/);
  });
});
