// ssh_config `%` tokens and ProxyJump hop syntax.
import { FerryError } from '../errors';
import type { HostSpec } from '../model/host';

/** Replaces `%x` tokens from `tokens` (`%%` is a literal `%`); unknown tokens are BAD_INPUT. */
export function expandPercent(template: string, tokens: Readonly<Record<string, string>>, what: string): string {
  return template.replace(/%(.?)/g, (whole, key: string) => {
    if (key === '%') return '%';
    const value = tokens[key];
    if (value === undefined) {
      throw new FerryError({
        code: 'BAD_INPUT',
        message: `${what}: unknown token ${key ? `%${key}` : 'at end of value'} in ${JSON.stringify(template)}`,
      });
    }
    return value;
  });
}

/** Expands `%h %p %r %n %%` in a host's ProxyCommand at connect time. */
export function expandProxyCommand(spec: Pick<HostSpec, 'name' | 'hostName' | 'port' | 'user'>, command: string): string {
  return expandPercent(command, { h: spec.hostName, p: String(spec.port), r: spec.user, n: spec.name }, 'ProxyCommand');
}

/** One hop of a ProxyJump chain. */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/** Parses a ProxyJump value (`[user@]host[:port]` or `ssh://…`, comma-separated) into hops, first hop first. */
export function parseProxyJump(value: string): JumpHop[] {
  return value.split(',').map((part) => parseHop(part.trim(), value));
}

function parseHop(raw: string, whole: string): JumpHop {
  const bad = (why: string) => new FerryError({ code: 'BAD_INPUT', message: `Invalid ProxyJump ${JSON.stringify(whole)}: ${why}` });
  let text = raw.startsWith('ssh://') ? raw.slice('ssh://'.length).replace(/\/$/, '') : raw;
  if (!text) throw bad('empty hop');
  const hop: JumpHop = { host: '' };
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    hop.user = text.slice(0, at);
    if (!hop.user) throw bad('empty user');
    text = text.slice(at + 1);
  }
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw bad('unclosed [');
    hop.host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) throw bad(`unexpected ${JSON.stringify(rest)}`);
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0 && text.indexOf(':', colon + 1) < 0) {
      hop.host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    } else {
      hop.host = text;
    }
  }
  if (!hop.host) throw bad('empty host');
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw bad(`bad port ${JSON.stringify(portText)}`);
    hop.port = port;
  }
  return hop;
}
