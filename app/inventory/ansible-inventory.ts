// Ansible inventories (INI and YAML) as one tree of groups, resolved to hosts with their groups and the
// connection variables Ferry uses (ansible_host, ansible_user, ansible_port), and turned into ssh_config items so
// every host goes through the same resolution and checks as an ssh_config host.
import { FerryError } from '../errors';
import { hostHookFromVars } from '../hooks/host-hook';
import type { HostHookDeclaration } from '../model/host';
import type { SshConfigFile, SshConfigItem } from './ssh-config';

/** Variables of a host or group, as strings (YAML numbers and booleans stringified). */
export type AnsibleVars = Record<string, string>;

/** One group: its own hosts (with their inline variables), variables and child groups. */
export interface AnsibleGroup {
  name: string;
  hosts: Map<string, AnsibleVars>;
  vars: AnsibleVars;
  children: Set<string>;
}

/** What either parser produces. */
export interface AnsibleTree {
  source: string;
  groups: Map<string, AnsibleGroup>;
  warnings: string[];
}

/** One host of the inventory as Ferry uses it. */
export interface AnsibleHost {
  name: string;
  hostName?: string;
  user?: string;
  port?: string;
  /** Every group it belongs to, directly or through children, without `all` and `ungrouped`; sorted. */
  groups: string[];
  /** Its address hook (`ferry_address_hook`, …: docs/address-hooks.md), or why the declaration is refused. */
  addressHook?: HostHookDeclaration;
}

/** Most hosts one inventory may expand to (host ranges such as `web[001:999]` included). */
export const ANSIBLE_MAX_HOSTS = 10_000;

/** Implicit groups every host is in; not listed as a host's groups. */
const IMPLICIT = new Set(['all', 'ungrouped']);

/** A group of the tree, created on first mention. */
export function groupOf(tree: AnsibleTree, name: string): AnsibleGroup {
  let g = tree.groups.get(name);
  if (!g) {
    g = { name, hosts: new Map(), vars: {}, children: new Set() };
    tree.groups.set(name, g);
  }
  return g;
}

/** An empty tree for `source`. */
export function emptyTree(source: string): AnsibleTree {
  return { source, groups: new Map(), warnings: [] };
}

/**
 * Expands Ansible host ranges (`web[01:03].example.com`, `db-[a:c]`, `[1:9:2]`): numbers keep the width of a
 * zero-padded start; letters go a→z. A name without brackets is itself. Throws BAD_INPUT past `limit` names.
 */
export function expandHostPattern(pattern: string, where: string, limit = ANSIBLE_MAX_HOSTS): string[] {
  const m = /^(.*?)\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head = '', from = '', to = '', stepText, tail = ''] = m;
  const step = stepText === undefined ? 1 : Number(stepText);
  const bad = (why: string) => new FerryError({ code: 'BAD_INPUT', message: `${where}: host range ${JSON.stringify(pattern)}: ${why}` });
  if (!Number.isInteger(step) || step < 1) throw bad('the step must be a whole number of at least 1');
  const items: string[] = [];
  if (/^[0-9]+$/.test(from) && /^[0-9]+$/.test(to)) {
    const a = Number(from);
    const b = Number(to);
    if (b < a) throw bad('it ends before it starts');
    if ((b - a) / step + 1 > limit) throw bad(`more than ${limit} hosts`);
    const width = from.startsWith('0') ? from.length : 0;
    for (let i = a; i <= b; i += step) items.push(String(i).padStart(width, '0'));
  } else if ((/^[a-z]$/.test(from) && /^[a-z]$/.test(to)) || (/^[A-Z]$/.test(from) && /^[A-Z]$/.test(to))) {
    const a = from.charCodeAt(0);
    const b = to.charCodeAt(0);
    if (b < a) throw bad('it ends before it starts');
    for (let i = a; i <= b; i += step) items.push(String.fromCharCode(i));
  } else {
    throw bad('expected [NUMBER:NUMBER] or [LETTER:LETTER]');
  }
  const out: string[] = [];
  for (const item of items) {
    for (const rest of expandHostPattern(tail, where, limit)) {
      out.push(`${head}${item}${rest}`);
      if (out.length > limit) throw bad(`more than ${limit} hosts`);
    }
  }
  return out;
}

/** Depth of each group below `all` (children are one deeper than their deepest parent); cycles are refused. */
function depths(tree: AnsibleTree): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const g of tree.groups.values()) for (const c of g.children) parents.set(c, [...(parents.get(c) ?? []), g.name]);
  const out = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (name: string): number => {
    const known = out.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name))
      throw new FerryError({ code: 'BAD_INPUT', message: `${tree.source}: group ${JSON.stringify(name)} is its own ancestor (children loop)` });
    visiting.add(name);
    const d = name === 'all' ? 0 : 1 + Math.max(0, ...(parents.get(name) ?? []).map(depth));
    visiting.delete(name);
    out.set(name, d);
    return d;
  };
  for (const name of tree.groups.keys()) depth(name);
  return out;
}

/** Ancestors of `group` through children links (the group itself included). */
function withAncestors(tree: AnsibleTree, group: string): Set<string> {
  const out = new Set<string>();
  const todo = [group];
  while (todo.length) {
    const g = todo.pop() ?? '';
    if (out.has(g)) continue;
    out.add(g);
    for (const p of tree.groups.values()) if (p.children.has(g)) todo.push(p.name);
  }
  return out;
}

const firstVar = (vars: AnsibleVars, names: readonly string[]) => names.map((n) => vars[n]).find((v) => v !== undefined);

/**
 * Every host with its groups and connection variables, in first-mention order. Precedence as Ansible's: the host's
 * own variables, then its groups' from the deepest (a child overrides its parent), `all` last; groups of one depth
 * in name order, the later winning. Hosts Ansible would not reach over SSH (`ansible_connection` local, docker, …)
 * and variables that are templates (`{{ … }}`) are left out with a warning.
 */
export function ansibleHosts(tree: AnsibleTree): { hosts: AnsibleHost[]; warnings: string[] } {
  const warnings = [...tree.warnings];
  const depth = depths(tree);
  const memberOf = new Map<string, { vars: AnsibleVars; groups: Set<string> }>();
  for (const g of tree.groups.values()) {
    for (const [h, vars] of g.hosts) {
      const m = memberOf.get(h) ?? { vars: {}, groups: new Set<string>() };
      Object.assign(m.vars, vars);
      for (const a of withAncestors(tree, g.name)) m.groups.add(a);
      memberOf.set(h, m);
    }
  }
  const all = tree.groups.get('all');
  const hosts: AnsibleHost[] = [];
  for (const [name, m] of memberOf) {
    const ordered = [...m.groups, ...(all && !m.groups.has('all') ? ['all'] : [])]
      .map((g) => tree.groups.get(g))
      .filter((g): g is AnsibleGroup => !!g)
      .sort((a, b) => (depth.get(a.name) ?? 0) - (depth.get(b.name) ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const vars: AnsibleVars = {};
    for (const g of ordered) Object.assign(vars, g.vars);
    Object.assign(vars, m.vars);
    const connection = vars.ansible_connection;
    if (connection !== undefined && !['ssh', 'smart', 'paramiko'].includes(connection)) {
      warnings.push(`${tree.source}: host ${JSON.stringify(name)} skipped: ansible_connection=${connection} is not SSH`);
      continue;
    }
    const host: AnsibleHost = { name, groups: [...m.groups].filter((g) => !IMPLICIT.has(g)).sort() };
    const pick = (what: 'hostName' | 'user' | 'port', names: readonly string[]) => {
      const v = firstVar(vars, names);
      if (v === undefined) return;
      if (v.includes('{{') || v.includes('{%')) warnings.push(`${tree.source}: host ${JSON.stringify(name)}: ${names[0]} is a template (${v}); not used`);
      else host[what] = v;
    };
    pick('hostName', ['ansible_host', 'ansible_ssh_host']);
    pick('user', ['ansible_user', 'ansible_ssh_user']);
    pick('port', ['ansible_port', 'ansible_ssh_port']);
    if (host.port !== undefined && !(/^[1-9][0-9]{0,4}$/.test(host.port) && Number(host.port) <= 65535)) {
      warnings.push(`${tree.source}: host ${JSON.stringify(name)} skipped: ansible_port ${JSON.stringify(host.port)} is not a port`);
      continue;
    }
    const hookVars = ['ferry_address_hook', 'ferry_hook_addresses', 'ferry_address_hook_budget_ms'];
    const template = hookVars.find((n) => vars[n]?.includes('{{') || vars[n]?.includes('{%'));
    const hook = template ? { problem: `${template} is a template (${vars[template] ?? ''}); Ferry does not expand templates` } : hostHookFromVars(vars);
    if (hook) host.addressHook = hook;
    hosts.push(host);
  }
  return { hosts, warnings };
}

/**
 * The hosts as ssh_config items (`Host NAME` + HostName/User/Port): later files (~/.ssh/config) still add what
 * the inventory does not say (IdentityFile, ProxyJump), and every value meets the same checks at load.
 */
export function ansibleConfig(hosts: readonly AnsibleHost[], source: string, warnings: string[]): SshConfigFile {
  const items: SshConfigItem[] = [];
  let line = 0;
  for (const h of hosts) {
    items.push({ kind: 'host', patterns: [h.name], line: ++line });
    const opt = (key: 'hostname' | 'user' | 'port', value: string | undefined) => {
      if (value !== undefined) items.push({ kind: 'option', key, value, args: [value], line: ++line });
    };
    opt('hostname', h.hostName);
    opt('user', h.user);
    opt('port', h.port);
  }
  return { source, items, warnings };
}
