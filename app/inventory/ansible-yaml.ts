// Parses an Ansible YAML inventory: top-level groups (usually `all`), each with `hosts`, `vars` and `children`.
import { parse } from 'yaml';
import { FerryError } from '../errors';
import { ANSIBLE_MAX_HOSTS, emptyTree, expandHostPattern, groupOf, type AnsibleTree, type AnsibleVars } from './ansible-inventory';
import { GROUP_NAME } from './ansible-ini';

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Scalars as Ansible would template them into a command line; lists and maps are not connection settings. */
function varsOf(v: unknown, where: string, warnings: string[]): AnsibleVars {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) {
    warnings.push(`${where}: expected a mapping of variables; ignored`);
    return {};
  }
  const out: AnsibleVars = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

/** Parses YAML inventory text into the group tree (BAD_INPUT for YAML that does not parse or is not an inventory). */
export function parseAnsibleYaml(text: string, source: string): AnsibleTree {
  let doc: unknown;
  try {
    // Aliases are expanded: bounded, so a "billion laughs" document cannot blow up.
    doc = parse(text, { maxAliasCount: 100, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    throw new FerryError({ code: 'BAD_INPUT', message: `${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}` });
  }
  const tree = emptyTree(source);
  groupOf(tree, 'all');
  if (doc === null || doc === undefined) return tree;
  if (!isMap(doc)) throw new FerryError({ code: 'BAD_INPUT', message: `${source}: an Ansible YAML inventory is a mapping of groups (all: …)` });
  let hostCount = 0;
  const visit = (name: string, def: unknown, parent: string | undefined, path: string) => {
    if (!GROUP_NAME.test(name)) {
      tree.warnings.push(`${source}: group ${JSON.stringify(path)} skipped: not a group name (letters, digits, _ . -)`);
      return;
    }
    const group = groupOf(tree, name);
    if (parent) groupOf(tree, parent).children.add(name);
    else if (name !== 'all') groupOf(tree, 'all').children.add(name);
    if (def === null || def === undefined) return;
    if (!isMap(def)) {
      tree.warnings.push(`${source}: group ${path}: expected a mapping (hosts, vars, children); ignored`);
      return;
    }
    for (const key of Object.keys(def)) {
      if (!['hosts', 'vars', 'children'].includes(key)) tree.warnings.push(`${source}: group ${path}: unknown key ${JSON.stringify(key)} ignored`);
    }
    const hosts = def.hosts;
    if (hosts !== undefined && hosts !== null) {
      if (!isMap(hosts)) throw new FerryError({ code: 'BAD_INPUT', message: `${source}: ${path}.hosts must be a mapping of host names` });
      for (const [pattern, vars] of Object.entries(hosts)) {
        const v = varsOf(vars, `${source}: ${path}.hosts.${pattern}`, tree.warnings);
        for (const h of expandHostPattern(pattern, `${source}: ${path}.hosts`)) {
          if (++hostCount > ANSIBLE_MAX_HOSTS) throw new FerryError({ code: 'BAD_INPUT', message: `${source}: more than ${ANSIBLE_MAX_HOSTS} hosts` });
          group.hosts.set(h, { ...(group.hosts.get(h) ?? {}), ...v });
        }
      }
    }
    Object.assign(group.vars, varsOf(def.vars, `${source}: ${path}.vars`, tree.warnings));
    const children = def.children;
    if (children !== undefined && children !== null) {
      if (!isMap(children)) throw new FerryError({ code: 'BAD_INPUT', message: `${source}: ${path}.children must be a mapping of groups` });
      for (const [child, cdef] of Object.entries(children)) visit(child, cdef, name, `${path}.children.${child}`);
    }
  };
  for (const [name, def] of Object.entries(doc)) visit(name, def, undefined, name);
  return tree;
}
