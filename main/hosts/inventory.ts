// Loads the host inventory from ssh_config-style files (the lab's file, ~/.ssh/config) and Ansible inventories
// (INI or YAML: hosts, groups, ansible_host/user/port), and resolves host names.
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FerryError } from '../../app/errors';
import type { HostHookDeclaration } from '../../app/model/host';
import { aliasProblem, hostNameProblem, userProblem } from '../../app/inventory/host-name';
import {
  configWarnings,
  expandTilde,
  listConcreteAliases,
  parseSshConfig,
  resolveSshHost,
  type IncludedText,
  type SshConfigFile,
  type SshHostSpec,
} from '../../app/inventory/ssh-config';
import { detectInventoryFormat, readAnsibleInventory } from '../../app/inventory/inventory-format';
import { matchPattern } from '../../app/inventory/ssh-pattern';
import { expandProxyCommand, parseProxyJump } from '../../app/inventory/ssh-tokens';
import { readBoundedFile } from '../util/bounded-read';

/**
 * Bounds on what one inventory load reads: each file (ssh_config files are a few KiB), and the files in all,
 * Includes and their globs counted (a fan-out of Includes would otherwise multiply at every level).
 */
export const INVENTORY_LIMITS = { fileBytes: 1 << 20, files: 256 } as const;

/** One inventory file; `source` is what HostSpec.source shows (default: the path). */
export interface InventoryFile {
  path: string;
  source?: string;
}

/** Which files to read and the local context for `~`, `%d`, `%u`. */
export interface InventoryOptions {
  /** Files read first, in order (they must exist). */
  files: ReadonlyArray<string | InventoryFile>;
  /** Also read ~/.ssh/config (or this path) after `files` when it exists. Default true. */
  userConfig?: boolean | string;
  /** Home directory for `~`, `%d` and relative Includes. Default os.homedir(). */
  home?: string;
  /** Local user name for `%u` and the default remote user. Default os.userInfo().username. */
  localUser?: string;
}

/** The loaded inventory. */
export interface Inventory {
  /** Every concrete alias that resolved to a valid host, in file order. */
  hosts: SshHostSpec[];
  /** Skipped hosts, ignored Match blocks and the like. */
  warnings: string[];
  /** Resolves a concrete alias; UNKNOWN_HOST for names the inventory does not list, BAD_INPUT for unsafe names. */
  resolveHost(name: string): SshHostSpec;
  /** Resolves any host name through the config, listed or not (ProxyJump hops). */
  resolveAny(name: string): SshHostSpec;
}

/** Reads the inventory files (following Include) and indexes their concrete aliases. */
export function loadInventory(opts: InventoryOptions): Inventory {
  const home = opts.home ?? os.homedir();
  const localUser = opts.localUser ?? os.userInfo().username;
  const sshDir = path.join(home, '.ssh');
  let filesRead = 0;
  const read = (file: string, what: string): string => {
    if (++filesRead > INVENTORY_LIMITS.files) {
      throw new FerryError({
        code: 'BAD_INPUT',
        message: `the inventory reads more than ${INVENTORY_LIMITS.files} files (at ${file}): an Include fan-out?`,
        hint: 'include fewer files',
      });
    }
    return readBoundedFile(file, INVENTORY_LIMITS.fileBytes, what).toString('utf8');
  };
  const include = (arg: string, from: string): IncludedText[] => {
    const abs = path.resolve(sshDir, expandTilde(arg, home));
    return globPaths(abs, INVENTORY_LIMITS.files).map((p) => ({ source: p, text: read(p, `Include (from ${from})`) }));
  };
  const configs: SshConfigFile[] = [];
  const groups = new Map<string, Set<string>>();
  /** Address hooks the Ansible inventories declare, by lower-case host name (a later file's wins). */
  const hooks = new Map<string, HostHookDeclaration>();
  for (const f of opts.files) {
    const file = typeof f === 'string' ? { path: f } : f;
    if (!existsSync(file.path)) {
      throw new FerryError({ code: 'BAD_INPUT', message: `Inventory file not found: ${file.path}` });
    }
    const text = read(file.path, 'inventory file');
    const source = file.source ?? file.path;
    const format = detectInventoryFormat(file.path, text);
    if (format === 'ssh_config') {
      configs.push(parseSshConfig(text, { source, include }));
      continue;
    }
    const ansible = readAnsibleInventory(text, source, format);
    configs.push(ansible.config);
    for (const [name, gs] of ansible.groups) groups.set(name, new Set([...(groups.get(name) ?? []), ...gs]));
    for (const [name, hook] of ansible.hooks) hooks.set(name, hook);
  }
  if (opts.userConfig !== false) {
    const userPath = typeof opts.userConfig === 'string' ? opts.userConfig : path.join(sshDir, 'config');
    if (existsSync(userPath)) configs.push(parseSshConfig(read(userPath, 'ssh config'), { source: userPath, include }));
  }

  const ctx = { home, localUser };
  const warnings = configWarnings(configs);
  const hosts: SshHostSpec[] = [];
  /** Aliases the files name but that cannot be used, with why (resolveHost says so instead of "unknown"). */
  const skipped = new Map<string, string>();
  for (const { name, source } of listConcreteAliases(configs)) {
    const why = aliasProblem(name);
    if (why) {
      warnings.push(`${source}: host ${JSON.stringify(name)} skipped: ${why}`);
      continue;
    }
    try {
      const spec = checked(resolveSshHost(configs, name, ctx));
      const gs = groups.get(name.toLowerCase());
      if (gs?.size) spec.groups = [...gs].sort();
      const hook = hooks.get(name.toLowerCase());
      if (hook) spec.addressHook = hook;
      hosts.push(spec);
    } catch (err) {
      const message = `${source}: host ${JSON.stringify(name)} skipped: ${(err as Error).message}`;
      warnings.push(message);
      skipped.set(name.toLowerCase(), message);
    }
  }
  const byName = new Map(hosts.map((h) => [h.name.toLowerCase(), h]));

  const resolveAny = (name: string): SshHostSpec => {
    assertName(name, aliasProblem(name));
    return checked(resolveSshHost(configs, name, ctx));
  };
  const resolveHost = (name: string): SshHostSpec => {
    assertName(name, aliasProblem(name));
    const spec = byName.get(name.toLowerCase());
    if (spec) return spec;
    const unusable = skipped.get(name.toLowerCase());
    if (unusable)
      throw new FerryError({
        code: 'BAD_INPUT',
        host: name,
        message: unusable,
        hint: 'fix this Host block: Ferry refuses values a shell or ssh could misread',
      });
    const known = hosts.map((h) => h.name);
    throw new FerryError({
      code: 'UNKNOWN_HOST',
      message: `Unknown host ${JSON.stringify(name)}. Known hosts: ${known.length ? known.join(', ') : '(none)'}`,
      host: name,
      hint: `Add a "Host ${name}" block to ${configs[0]?.source ?? '~/.ssh/config'}, or start the lab.`,
    });
  };
  return { hosts, warnings, resolveHost, resolveAny };
}

function checked(spec: SshHostSpec): SshHostSpec {
  const why = hostNameProblem(spec.hostName) ?? userProblem(spec.user) ?? proxyProblem(spec) ?? identityProblem(spec);
  if (why) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `Host ${spec.name} (${spec.user}@${spec.hostName}) from ${spec.source}: ${why}`,
      host: spec.name,
    });
  }
  return spec;
}

/** Why the host's ProxyJump hops or ProxyCommand tokens are unusable (checked at load, not at connect). */
function proxyProblem(spec: SshHostSpec): string | undefined {
  try {
    if (spec.proxyCommand) expandProxyCommand(spec, spec.proxyCommand);
    for (const hop of spec.proxyJump ? parseProxyJump(spec.proxyJump) : []) {
      const hostWhy = aliasProblem(hop.host) && hostNameProblem(hop.host);
      const why = hostWhy || (hop.user === undefined ? undefined : userProblem(hop.user));
      if (why) return `ProxyJump hop ${JSON.stringify(hop.host)}: ${why}`;
    }
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/**
 * Why an IdentityFile cannot be a key: it exists but is not a regular file (a FIFO would block the read, a
 * device never ends). Missing files are skipped at connect, as OpenSSH does; /dev/null reads as empty.
 */
function identityProblem(spec: SshHostSpec): string | undefined {
  for (const f of spec.identityFiles) {
    let st;
    try {
      st = statSync(f);
    } catch {
      continue;
    }
    if (!st.isFile() && f !== '/dev/null') return `IdentityFile ${f} is not a regular file`;
  }
  return undefined;
}

function assertName(name: string, why: string | undefined): void {
  if (why) throw new FerryError({ code: 'BAD_INPUT', message: `Invalid host name ${JSON.stringify(name)}: ${why}` });
}

/**
 * Expands `*` and `?` in an absolute path, segment by segment (like glob(3), sorted, no dotfiles for wildcards);
 * BAD_INPUT when a step matches more than `limit` paths.
 */
export function globPaths(absPattern: string, limit = INVENTORY_LIMITS.files): string[] {
  const parts = absPattern.split('/').filter(Boolean);
  let found = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?]/.test(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        if (!n.startsWith('.') && matchPattern(part, n, false)) next.push(path.join(dir, n));
      }
    }
    if (next.length > limit)
      throw new FerryError({ code: 'BAD_INPUT', message: `Include ${absPattern} matches more than ${limit} paths`, hint: 'include fewer files' });
    found = next;
  }
  return found.filter((p) => existsSync(p));
}
