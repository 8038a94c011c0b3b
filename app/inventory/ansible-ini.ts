// Parses an Ansible INI inventory: `[group]` host lines with inline variables, `[group:vars]`, `[group:children]`.
import { FerryError } from '../errors';
import { ANSIBLE_MAX_HOSTS, emptyTree, expandHostPattern, groupOf, type AnsibleTree, type AnsibleVars } from './ansible-inventory';

/** Group names Ferry accepts (Ansible's own rule: letters, digits, `_`; `-` and `.` it only warns about). */
export const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Splits a line shell-like: whitespace separates, quotes group (and are removed), an unquoted `#` word ends it. */
export function splitIniLine(line: string, where: string): string[] {
  const out: string[] = [];
  let cur = '';
  let started = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else if (ch === '#' && !started) {
      break;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (quote) throw new FerryError({ code: 'BAD_INPUT', message: `${where}: unterminated ${quote} quote` });
  if (started) out.push(cur);
  return out;
}

/** `key=value` words into variables; words without `=` are refused. */
function parseVars(words: readonly string[], where: string): AnsibleVars {
  const vars: AnsibleVars = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new FerryError({ code: 'BAD_INPUT', message: `${where}: expected key=value, got ${JSON.stringify(w)}` });
    vars[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return vars;
}

/** `host:port` (not an IPv6 literal) into the host and its port. */
function splitHostPort(pattern: string): { host: string; port?: string } {
  const m = /^([^:[\]]+|[^:]*\[[^\]]+\][^:]*):([0-9]+)$/.exec(pattern);
  return m && m[1] && m[2] ? { host: m[1], port: m[2] } : { host: pattern };
}

/** Parses INI inventory text into the group tree (BAD_INPUT with file and line for what cannot be read). */
export function parseAnsibleIni(text: string, source: string): AnsibleTree {
  const tree = emptyTree(source);
  groupOf(tree, 'all');
  let section: { group: string; kind: 'hosts' | 'vars' | 'children' } | undefined = { group: 'ungrouped', kind: 'hosts' };
  let hostCount = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `${source}:${index + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]]*)\]$/.exec(line);
    if (head) {
      const [name = '', kind = 'hosts', ...extra] = (head[1] ?? '').split(':');
      if (!GROUP_NAME.test(name) || extra.length || !['hosts', 'vars', 'children'].includes(kind)) {
        tree.warnings.push(
          `${where}: section [${head[1]}] skipped: expected [GROUP], [GROUP:vars] or [GROUP:children] with a group name of letters, digits, _ . -`,
        );
        section = undefined;
        return;
      }
      section = { group: name, kind: kind as 'hosts' | 'vars' | 'children' };
      groupOf(tree, name);
      return;
    }
    if (!section) return;
    const words = splitIniLine(line, where);
    if (!words.length) return;
    const group = groupOf(tree, section.group);
    if (section.kind === 'vars') {
      // `key = value` is allowed here: everything after the first `=` is the value.
      const eq = line.indexOf('=');
      if (eq <= 0) throw new FerryError({ code: 'BAD_INPUT', message: `${where}: expected key=value in [${section.group}:vars]` });
      const value = splitIniLine(line.slice(eq + 1), where).join(' ');
      group.vars[line.slice(0, eq).trim()] = value;
      return;
    }
    if (section.kind === 'children') {
      const child = words[0] ?? '';
      if (!GROUP_NAME.test(child)) {
        tree.warnings.push(`${where}: child group ${JSON.stringify(child)} skipped: not a group name`);
        return;
      }
      groupOf(tree, child);
      group.children.add(child);
      return;
    }
    const [pattern = '', ...rest] = words;
    const { host, port } = splitHostPort(pattern);
    const vars = parseVars(rest, where);
    if (port !== undefined) vars.ansible_port ??= port;
    for (const name of expandHostPattern(host, where)) {
      if (++hostCount > ANSIBLE_MAX_HOSTS) throw new FerryError({ code: 'BAD_INPUT', message: `${where}: more than ${ANSIBLE_MAX_HOSTS} hosts` });
      group.hosts.set(name, { ...(group.hosts.get(name) ?? {}), ...vars });
    }
  });
  // Groups that are nobody's child hang under `all`, as in Ansible.
  const children = new Set([...tree.groups.values()].flatMap((g) => [...g.children]));
  for (const g of tree.groups.values()) if (g.name !== 'all' && !children.has(g.name)) groupOf(tree, 'all').children.add(g.name);
  return tree;
}
