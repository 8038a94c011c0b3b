import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { globPaths, loadInventory } from './inventory';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-inv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

const hasSsh = (() => {
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('loadInventory', () => {
  it('resolves hosts, follows relative Include globs under ~/.ssh, and tags the source', () => {
    const home = path.join(dir, 'home1');
    write('home1/.ssh/conf.d/10-lab.conf', 'Host lab-c\n  HostName 10.0.0.3\n');
    write('home1/.ssh/conf.d/20-more.conf', 'Host lab-d\n');
    write('home1/.ssh/conf.d/.hidden.conf', 'Host hidden\n');
    write('home1/.ssh/config', 'Include conf.d/*.conf\nHost *\n  User fallback\n');
    const lab = write('lab.conf', 'Host lab-a lab-b\n  User root\n  IdentityFile ~/lab_key\nHost lab-b\n  HostName 10.0.0.2\n');
    const inv = loadInventory({ files: [{ path: lab, source: 'lab' }], home, localUser: 'op' });
    expect(inv.hosts.map((h) => [h.name, h.hostName, h.user, h.source])).toEqual([
      ['lab-a', 'lab-a', 'root', 'lab'],
      ['lab-b', '10.0.0.2', 'root', 'lab'],
      ['lab-c', '10.0.0.3', 'fallback', path.join(home, '.ssh/conf.d/10-lab.conf')],
      ['lab-d', 'lab-d', 'fallback', path.join(home, '.ssh/conf.d/20-more.conf')],
    ]);
    expect(inv.resolveHost('LAB-B').identityFiles).toEqual([path.join(home, 'lab_key')]);
  });

  it('rejects unknown hosts with the known names, and unsafe names with BAD_INPUT', () => {
    const lab = write('lab2.conf', 'Host lab-a\nHost lab-b\n');
    const inv = loadInventory({ files: [lab], userConfig: false, home: dir, localUser: 'op' });
    const unknown = catchError(() => inv.resolveHost('lab-z'));
    expect(unknown.code).toBe('UNKNOWN_HOST');
    expect(unknown.message).toContain('lab-a, lab-b');
    for (const bad of ['-oProxyCommand=sh', 'a b', 'a;reboot', '$(id)', '`id`', 'a\nb']) {
      expect(catchError(() => inv.resolveHost(bad)).code, bad).toBe('BAD_INPUT');
    }
  });

  it('skips hosts whose alias, HostName or User is unsafe, with a warning', () => {
    const lab = write('lab3.conf', 'Host ok\nHost bad|alias\nHost badname\n  HostName "x;reboot"\nHost baduser\n  User "-oops"\n');
    const inv = loadInventory({ files: [lab], userConfig: false, home: dir, localUser: 'op' });
    expect(inv.hosts.map((h) => h.name)).toEqual(['ok']);
    expect(inv.warnings).toHaveLength(3);
    expect(catchError(() => inv.resolveAny('badname')).code).toBe('BAD_INPUT');
    expect(inv.resolveAny('10.1.1.1')).toMatchObject({ hostName: '10.1.1.1', user: 'op', port: 22 });
  });

  it('reads Ansible INI and YAML inventories: hosts with their groups, ~/.ssh/config adding what they do not say', () => {
    const home = path.join(dir, 'home-ansible');
    write('home-ansible/.ssh/config', 'Host *\n  IdentityFile ~/.ssh/ops_key\n  User ignored\n');
    const ini = write('ansible/hosts', '[web]\nweb1 ansible_host=192.0.2.1 ansible_user=deploy\n[prod:children]\nweb\n');
    const yml = write(
      'ansible/more.yml',
      'all:\n  children:\n    db:\n      hosts:\n        db1:\n          ansible_host: 192.0.2.9\n          ansible_port: 2200\n        web1:\n',
    );
    const inv = loadInventory({ files: [ini, yml], home, localUser: 'op' });
    expect(inv.hosts.map((h) => [h.name, h.hostName, h.user, h.port, h.groups, h.source, h.identityFiles])).toEqual([
      ['web1', '192.0.2.1', 'deploy', 22, ['db', 'prod', 'web'], ini, [path.join(home, '.ssh/ops_key')]],
      ['db1', '192.0.2.9', 'ignored', 2200, ['db'], yml, [path.join(home, '.ssh/ops_key')]],
    ]);
    expect(inv.resolveHost('db1').groups).toEqual(['db']);
  });

  it('skips Ansible hosts with unsafe values and bounds the files it reads', () => {
    const bad = write('ansible/bad.ini', '[web]\nok ansible_host=192.0.2.1\nevil ansible_host="192.0.2.1 -oProxyCommand=id"\n');
    const inv = loadInventory({ files: [bad], userConfig: false, localUser: 'op' });
    expect(inv.hosts.map((h) => h.name)).toEqual(['ok']);
    expect(inv.warnings).toEqual([expect.stringMatching(/host "evil" skipped/)]);
    const big = write('ansible/big.yml', `all:\n  hosts:\n${'    h: {}\n'.repeat(120_000)}`);
    expect(() => loadInventory({ files: [big], userConfig: false })).toThrow(/larger than/);
  });

  it('gives each host the address hook its Ansible inventory declares, and resolveHost returns it', () => {
    const ini = write(
      'ansible/hooks.ini',
      '[routed]\nr1 ansible_host=192.0.2.1\nr2 ansible_host=192.0.2.2 ferry_address_hook_budget_ms=900\nplain ansible_host=192.0.2.3 ferry_address_hook=\n[routed:vars]\nferry_address_hook=/usr/local/lib/ferry/address-hook\n',
    );
    const inv = loadInventory({ files: [ini], userConfig: false, localUser: 'op' });
    expect(inv.resolveHost('r1').addressHook).toEqual({ hook: { path: '/usr/local/lib/ferry/address-hook' } });
    expect(inv.resolveHost('r2').addressHook).toEqual({ hook: { path: '/usr/local/lib/ferry/address-hook', budgetMs: { move: 900 } } });
    expect(inv.resolveHost('plain').addressHook).toBeUndefined();
  });

  it('fails on a missing inventory file but not on a missing ~/.ssh/config', () => {
    expect(catchError(() => loadInventory({ files: [path.join(dir, 'nope')], home: dir })).code).toBe('BAD_INPUT');
    expect(loadInventory({ files: [], home: path.join(dir, 'no-home') }).hosts).toEqual([]);
  });

  it('globs like glob(3): sorted, no dotfiles, missing folders are empty', () => {
    write('g/b.conf', '');
    write('g/a.conf', '');
    write('g/.c.conf', '');
    write('g/sub/x.conf', '');
    expect(globPaths(path.join(dir, 'g/*.conf'))).toEqual([path.join(dir, 'g/a.conf'), path.join(dir, 'g/b.conf')]);
    expect(globPaths(path.join(dir, 'g/*/x.conf'))).toEqual([path.join(dir, 'g/sub/x.conf')]);
    expect(globPaths(path.join(dir, 'none/*.conf'))).toEqual([]);
  });
});

describe.skipIf(!hasSsh)('agrees with `ssh -G`', () => {
  it('resolves HostName, User, Port, ProxyJump, ProxyCommand and IdentityFile count the way OpenSSH does', () => {
    write('cmp/inc/b.conf', 'Host lab-b\n  Port 2202\n  User from-include\n');
    const cfg = write(
      'cmp/config',
      [
        'Host lab-a',
        '  HostName 10.0.0.1',
        '  ProxyJump admin@jump:2222',
        '  IdentityFile /keys/lab',
        'Host lab-* !lab-c',
        '  User ferry',
        '  IdentityFile /keys/k-%h',
        '  ProxyCommand nc %h %p',
        `  Include ${path.join(dir, 'cmp/inc/*.conf')}`,
        'Host lab-c',
        '  HostName=%h.example.com',
        '  Port = 2203',
        'Host *',
        '  User last',
        '  Port 2299',
        '',
      ].join('\n'),
    );
    const home = os.userInfo().homedir;
    const inv = loadInventory({ files: [cfg], userConfig: false, home, localUser: os.userInfo().username });
    for (const alias of ['lab-a', 'lab-b', 'lab-c', 'other']) {
      const g = sshG(cfg, alias);
      const spec = inv.resolveAny(alias);
      expect({ alias, hostName: spec.hostName, user: spec.user, port: String(spec.port) }).toEqual({
        alias,
        hostName: g.hostname?.[0],
        user: g.user?.[0],
        port: g.port?.[0],
      });
      expect(spec.proxyJump, alias).toBe(g.proxyjump?.[0]);
      expect(spec.proxyCommand, alias).toBe(g.proxycommand?.[0]);
      if (spec.identityFiles.length) expect(spec.identityFiles.length, alias).toBe(g.identityfile?.length);
    }
  });
});

function sshG(config: string, alias: string): Record<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', config, alias], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const map: Record<string, string[]> = {};
  for (const line of out.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m) (map[m[1]!] ??= []).push(m[2]!);
  }
  return map;
}

function catchError(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error('expected a FerryError');
}
