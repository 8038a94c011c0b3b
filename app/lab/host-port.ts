// `HOST:PORT` arguments of the lab programs: parsing and formatting (IPv6 in brackets).

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `1.2.3.4:80`, `[::1]:80` or `name:80`; port 0 allowed when allowZero. Returns an error string on failure. */
export function parseHostPort(text: string, opts: { allowZero?: boolean } = {}): HostPort | string {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return `expected HOST:PORT (or [IPv6]:PORT), got ${JSON.stringify(text)}`;
  const port = Number(m[2]);
  const min = opts.allowZero ? 0 : 1;
  if (port < min || port > 65535) return `port out of range in ${JSON.stringify(text)}`;
  return { host: m[1] ?? '', port };
}

/** Formats an address and port as `addr:port` or `[v6]:port`. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
