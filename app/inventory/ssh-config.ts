// ssh_config-style inventory: parse Host blocks and resolve an alias to a HostSpec the OpenSSH way.
import { FerryError } from '../errors';
import type { HostSpec } from '../model/host';
import { isConcretePattern, matchPatternList } from './ssh-pattern';
import { expandPercent } from './ssh-tokens';

/** Keywords Ferry keeps (lower-case); everything else in the file is skipped. */
export const KEPT_KEYWORDS = ['hostname', 'user', 'port', 'identityfile', 'proxyjump', 'proxycommand', 'userknownhostsfile'] as const;

/** One of KEPT_KEYWORDS. */
export type KeptKeyword = (typeof KEPT_KEYWORDS)[number];

/** One line of a config file that matters for resolution. */
export type SshConfigItem =
  | { kind: 'host'; patterns: string[]; line: number }
  | { kind: 'match'; all: boolean; line: number }
  | { kind: 'option'; key: KeptKeyword; value: string; args: string[]; line: number }
  | { kind: 'include'; args: string[]; files: SshConfigFile[]; line: number };

/** A parsed config file, with the files its `Include` lines pulled in. */
export interface SshConfigFile {
  source: string;
  items: SshConfigItem[];
  warnings: string[];
}

/** Text of one file an `Include` argument expanded to. */
export interface IncludedText {
  source: string;
  text: string;
}

/** Supplied by the I/O layer: expands one `Include` argument (glob, `~`, relative path) to file texts. */
export type IncludeResolver = (argument: string, fromSource: string) => IncludedText[];

/** Where the text came from, and how to expand its Include lines. */
export interface ParseOptions {
  source?: string;
  include?: IncludeResolver;
}

/** What the caller knows about the local side, for `~` and `%d %u` expansion. */
export interface ResolveContext {
  home: string;
  localUser: string;
}

const MAX_INCLUDE_DEPTH = 16;

/** Parses ssh_config text; `Include` lines are expanded through `opts.include`. */
export function parseSshConfig(text: string, opts: ParseOptions = {}): SshConfigFile {
  return parseDepth(text, opts.source ?? '<config>', opts.include, 0);
}

function parseDepth(text: string, source: string, include: IncludeResolver | undefined, depth: number): SshConfigFile {
  const file: SshConfigFile = { source, items: [], warnings: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const line = index + 1;
    const where = `${source}:${line}`;
    const bad = (why: string) => new FerryError({ code: 'BAD_INPUT', message: `${where}: ${why}` });
    const trimmed = rawLine.replace(/^[\s\f]+|[\s\f]+$/g, '');
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([^\s=]+)\s*=?\s*(.*)$/.exec(trimmed);
    if (!m) return;
    const keyword = m[1]!.toLowerCase();
    const rest = m[2]!;
    if (keyword === 'proxycommand') {
      if (!rest) throw bad('ProxyCommand needs a value');
      file.items.push({ kind: 'option', key: 'proxycommand', value: rest, args: [rest], line });
      return;
    }
    const args = splitArgs(rest, bad);
    switch (keyword) {
      case 'host':
        if (args.length === 0) throw bad('Host needs at least one pattern');
        file.items.push({ kind: 'host', patterns: args, line });
        return;
      case 'match': {
        const all = args.length === 1 && args[0]!.toLowerCase() === 'all';
        if (!all) file.warnings.push(`${where}: only "Match all" is supported; this Match block is ignored`);
        file.items.push({ kind: 'match', all, line });
        return;
      }
      case 'include': {
        if (args.length === 0) throw bad('Include needs a path');
        if (!include) {
          file.warnings.push(`${where}: Include ignored (no resolver)`);
          return;
        }
        if (depth + 1 > MAX_INCLUDE_DEPTH) throw bad('Include nested too deeply');
        const files = args.flatMap((arg) => include(arg, source)).map((inc) => parseDepth(inc.text, inc.source, include, depth + 1));
        file.items.push({ kind: 'include', args, files, line });
        return;
      }
    }
    if (!(KEPT_KEYWORDS as readonly string[]).includes(keyword)) return;
    const value = args[0];
    if (value === undefined) throw bad(`${m[1]} needs a value`);
    if (keyword === 'port' && parsePort(value) === undefined) throw bad(`bad port ${JSON.stringify(value)}`);
    file.items.push({ kind: 'option', key: keyword as KeptKeyword, value, args, line });
  });
  return file;
}

/** Splits arguments like OpenSSH's argv_split: quotes, backslash escapes, `#` starting a word ends the line. */
function splitArgs(s: string, bad: (why: string) => Error): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s[i + 1];
    if (quote) {
      if (c === '\\' && (next === quote || next === '\\')) {
        cur += next;
        i++;
      } else if (c === quote) {
        quote = null;
      } else {
        cur += c;
      }
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    if (c === '#' && !inWord) break;
    inWord = true;
    if (c === '"' || c === "'") quote = c;
    else if (c === '\\' && next !== undefined && '\\"\' '.includes(next)) {
      cur += next;
      i++;
    } else cur += c;
  }
  if (quote) throw bad('unterminated quote');
  if (inWord) out.push(cur);
  return out;
}

function parsePort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

type Visit = (item: Extract<SshConfigItem, { kind: 'option' }>, file: SshConfigFile) => void;

/** Calls `visit` for each option that applies to `alias`, in file order, following Includes. */
function walkActive(file: SshConfigFile, alias: string, active: boolean, never: boolean, visit: Visit): void {
  let on = active && !never;
  for (const item of file.items) {
    if (item.kind === 'host') on = !never && matchPatternList(item.patterns, alias);
    else if (item.kind === 'match') on = !never && item.all;
    else if (item.kind === 'option') {
      if (on) visit(item, file);
    } else {
      for (const inc of item.files) walkActive(inc, alias, on, never || !on, visit);
    }
  }
}

/** A HostSpec plus the ssh_config settings only the SSH layer needs. */
export interface SshHostSpec extends HostSpec {
  /** UserKnownHostsFile, expanded; absent means the pool's default files. */
  userKnownHostsFiles?: string[];
}

/** Resolves `alias` against config files read in order: the first value obtained wins (IdentityFile accumulates). */
export function resolveSshHost(files: readonly SshConfigFile[], alias: string, ctx: ResolveContext): SshHostSpec {
  const first = new Map<KeptKeyword, string[]>();
  const identities: string[] = [];
  let proxy: { key: 'proxyjump' | 'proxycommand'; value: string } | undefined;
  const visit: Visit = (item) => {
    if (item.key === 'identityfile') {
      identities.push(item.value);
    } else if (item.key === 'proxyjump' || item.key === 'proxycommand') {
      proxy ??= { key: item.key, value: item.value };
    } else if (!first.has(item.key)) {
      first.set(item.key, item.args);
    }
  };
  for (const file of files) walkActive(file, alias, true, false, visit);

  const hostName = expandPercent(first.get('hostname')?.[0] ?? alias, { h: alias }, `HostName of ${alias}`);
  const user = first.get('user')?.[0] ?? ctx.localUser;
  const port = parsePort(first.get('port')?.[0] ?? '22') ?? 22;
  const tokens = { d: ctx.home, u: ctx.localUser, h: hostName, r: user, p: String(port), n: alias };
  const expandPath = (f: string, what: string) => expandTilde(expandPercent(f, tokens, `${what} of ${alias}`), ctx.home);
  const identityFiles = identities.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, 'IdentityFile'));
  const spec: SshHostSpec = {
    name: alias,
    hostName,
    user,
    port,
    identityFiles: [...new Set(identityFiles)],
    source: aliasSource(files, alias) ?? files[0]?.source ?? '<config>',
  };
  if (proxy && proxy.value.toLowerCase() !== 'none') {
    if (proxy.key === 'proxyjump') spec.proxyJump = proxy.value;
    else spec.proxyCommand = proxy.value;
  }
  const knownHosts = first.get('userknownhostsfile');
  if (knownHosts) spec.userKnownHostsFiles = knownHosts.map((f) => expandPath(f, 'UserKnownHostsFile'));
  return spec;
}

/** Expands a leading `~` or `~/` to `home`. */
export function expandTilde(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home.replace(/\/$/, '')}/${path.slice(2)}`;
  return path;
}

/** Concrete aliases (Host patterns without wildcards or negation), in file order, with the file naming them. */
export function listConcreteAliases(files: readonly SshConfigFile[]): Array<{ name: string; source: string }> {
  const seen = new Map<string, { name: string; source: string }>();
  const walk = (file: SshConfigFile) => {
    for (const item of file.items) {
      if (item.kind === 'host') {
        for (const p of item.patterns) {
          if (isConcretePattern(p) && !seen.has(p.toLowerCase())) seen.set(p.toLowerCase(), { name: p, source: file.source });
        }
      } else if (item.kind === 'include') item.files.forEach(walk);
    }
  };
  files.forEach(walk);
  return [...seen.values()];
}

/** Warnings from every file, includes too (ignored Match blocks, unresolved Includes). */
export function configWarnings(files: readonly SshConfigFile[]): string[] {
  const out: string[] = [];
  const walk = (file: SshConfigFile) => {
    out.push(...file.warnings);
    for (const item of file.items) if (item.kind === 'include') item.files.forEach(walk);
  };
  files.forEach(walk);
  return out;
}

function aliasSource(files: readonly SshConfigFile[], alias: string): string | undefined {
  return listConcreteAliases(files).find((a) => a.name.toLowerCase() === alias.toLowerCase())?.source;
}
