// Pool of SSH connections, one per user@host:port (and proxy route), created lazily and shared by all commands.
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { FerryError } from '../../app/errors';
import type { SshHostSpec } from '../../app/inventory/ssh-config';
import { expandProxyCommand, parseProxyJump, type JumpHop } from '../../app/inventory/ssh-tokens';
import type { HostSpec } from '../../app/model/host';
import { hostVerifier, type HostVerifier, type NewHostKey } from './host-verifier';
import { preferredHostKeyAlgorithms, readKnownHosts } from './known-hosts';
import { startProxyCommand, type ProxyProcess } from './proxy-command';
import { defaultIdentityFiles, planAuth, type AuthPlan } from './ssh-auth';
import { SshConnection } from './ssh-connection';
import { connectError, unreachable, type ConnectFailure } from './ssh-errors';

export type { NewHostKey } from './host-verifier';

/** Pool settings: known_hosts, new-key policy, keepalive/timeouts, auth defaults. */
export interface SshPoolOptions {
  /** Resolves a ProxyJump hop (alias or address) to a spec; default: the hop as written, port 22, local user. */
  resolveJumpHost?: (name: string) => HostSpec;
  /** Per-user known_hosts files, used when a host has no UserKnownHostsFile; new keys go to the first. Default ~/.ssh/known_hosts{,2}. */
  userKnownHostsFiles?: string[];
  /** System known_hosts files, always checked. Default /etc/ssh/ssh_known_hosts{,2}. */
  globalKnownHostsFiles?: string[];
  /** Called for unknown host keys; returning true appends the key to known_hosts and connects. Default: refuse. */
  acceptNewKey?: (key: NewHostKey) => boolean | Promise<boolean>;
  /** SSH-level keepalive interval; 0 disables. Default 15000. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is dropped. Default 3. */
  keepaliveCountMax?: number;
  /** Time allowed for TCP connect + SSH handshake + auth. Default 20000. */
  readyTimeoutMs?: number;
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null disables the agent. */
  agentSocket?: string | null;
  /** Identity files tried for hosts that list none. Default ~/.ssh/id_{ed25519,ecdsa,rsa}. */
  defaultIdentityFiles?: string[];
  /** Session channels open at once per connection; more wait. Default 10 (sshd's MaxSessions). */
  maxSessionsPerConnection?: number;
  /** Home directory for the defaults above. Default os.homedir(). */
  home?: string;
  /** Receives ssh2 debug lines and post-connect errors. */
  debug?: (message: string) => void;
}

/** How SSH reaches a host: over `sock` when proxied (a ProxyCommand is also kept to end it), else direct TCP. */
interface Route {
  sock?: Duplex;
  proxy?: ProxyProcess;
}

const MAX_JUMP_DEPTH = 8;
const FAST_CIPHERS: ssh2.CipherAlgorithm[] = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];

/** The pool key: user@host:port, plus the proxy route when there is one. */
export function connectionKey(spec: HostSpec): string {
  const base = `${spec.user}@${spec.hostName}:${spec.port}`;
  if (spec.proxyCommand) return `${base} via command ${expandProxyCommand(spec, spec.proxyCommand)}`;
  if (spec.proxyJump) return `${base} via jump ${spec.proxyJump}`;
  return base;
}

/** Shares one SSH connection per user@host:port among all callers; reconnects when one has closed. */
export class SshPool {
  private readonly conns = new Map<string, Promise<SshConnection>>();
  private readonly proxies = new Set<ProxyProcess>();
  private closing = false;
  private opened = 0;
  private readonly home: string;

  constructor(private readonly opts: SshPoolOptions = {}) {
    this.home = opts.home ?? os.homedir();
  }

  /** SSH connections that reached `ready` since the pool was created (jump hosts included). */
  get connectionsOpened(): number {
    return this.opened;
  }

  /** A ready connection for `spec`, shared with concurrent and later callers. */
  async connect(spec: SshHostSpec, depth = 0): Promise<SshConnection> {
    const key = connectionKey(spec);
    for (;;) {
      if (this.closing) throw new FerryError({ code: 'INTERNAL', message: 'SSH pool is closed', host: spec.name });
      let pending = this.conns.get(key);
      if (!pending) {
        const attempt = this.open(spec, key, depth);
        pending = attempt;
        this.conns.set(key, attempt);
        attempt.catch(() => {
          if (this.conns.get(key) === attempt) this.conns.delete(key);
        });
      }
      const conn = await pending;
      if (!conn.closed) return conn;
      if (this.conns.get(key) === pending) this.conns.delete(key);
    }
  }

  /** Ends every connection and ProxyCommand process; later connects are refused. */
  async close(): Promise<void> {
    this.closing = true;
    const pending = [...this.conns.values()];
    this.conns.clear();
    const settled = await Promise.allSettled(pending);
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.end() : undefined)));
    const proxies = [...this.proxies];
    this.proxies.clear();
    for (const p of proxies) p.kill();
    await Promise.all(proxies.map((p) => Promise.race([p.closed, delay(1000)])));
  }

  /** Connects, checks the host key, authenticates: the route, the handshake, then a pooled SshConnection. */
  private async open(spec: SshHostSpec, key: string, depth: number): Promise<SshConnection> {
    const { userFiles, globalFiles } = this.knownHostsFiles(spec);
    const entries = readKnownHosts([...userFiles, ...globalFiles]);
    const plan = planAuth(spec, {
      agentSocket: this.opts.agentSocket === undefined ? process.env.SSH_AUTH_SOCK || null : this.opts.agentSocket,
      defaultIdentityFiles: this.opts.defaultIdentityFiles ?? defaultIdentityFiles(this.home),
    });
    const failure: ConnectFailure = {
      label: spec.name,
      target: `${spec.user}@${spec.hostName}:${spec.port}`,
      tried: plan.tried,
      skipped: plan.skipped,
    };
    const route = await this.route(spec, depth, failure);
    const verifier = hostVerifier(spec, entries, userFiles, this.opts);
    const preferred = preferredHostKeyAlgorithms(entries, spec.hostName, spec.port) as ServerHostKeyAlgorithm[];
    const config = this.connectConfig(spec, plan.methods, verifier, preferred, route.sock);
    return this.handshake(spec, key, config, route, verifier, failure);
  }

  /** The host's own UserKnownHostsFile, else the pool's, else ~/.ssh/known_hosts{,2}; and the system files. */
  private knownHostsFiles(spec: SshHostSpec): { userFiles: string[]; globalFiles: string[] } {
    const userFiles = spec.userKnownHostsFiles ??
      this.opts.userKnownHostsFiles ?? [path.join(this.home, '.ssh', 'known_hosts'), path.join(this.home, '.ssh', 'known_hosts2')];
    const globalFiles = this.opts.globalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
    return { userFiles, globalFiles };
  }

  /** The socket to speak SSH over: a ProxyCommand's stdio, a channel through the jump host, or none (direct TCP). */
  private async route(spec: SshHostSpec, depth: number, failure: ConnectFailure): Promise<Route> {
    if (spec.proxyCommand) {
      const command = expandProxyCommand(spec, spec.proxyCommand);
      failure.route = `via ProxyCommand ${command}`;
      const proxy = startProxyCommand(command);
      this.proxies.add(proxy);
      return { sock: proxy.sock, proxy };
    }
    if (spec.proxyJump) {
      failure.route = `via ProxyJump ${spec.proxyJump}`;
      return { sock: await this.jump(spec, depth) };
    }
    return {};
  }

  /** ssh2's settings: auth plan, host key check and preferred algorithms, keepalive and timeouts, fast ciphers. */
  private connectConfig(
    spec: SshHostSpec,
    authHandler: AuthPlan['methods'],
    verifier: HostVerifier,
    preferred: ServerHostKeyAlgorithm[],
    sock: Duplex | undefined,
  ): ConnectConfig {
    const config: ConnectConfig = {
      host: spec.hostName,
      port: spec.port,
      username: spec.user,
      authHandler,
      hostVerifier: verifier.verify,
      readyTimeout: this.opts.readyTimeoutMs ?? 20_000,
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: this.opts.keepaliveCountMax ?? 3,
    };
    if (sock) config.sock = sock;
    // AES-GCM runs in OpenSSL (AES-NI); ssh2's ChaCha20-Poly1305 needs its optional native build, which is not
    // installed, and falls back to JavaScript: several times slower for image transfers.
    config.algorithms = { cipher: { remove: FAST_CIPHERS, prepend: FAST_CIPHERS, append: [] } };
    if (preferred.length) config.algorithms.serverHostKey = { remove: preferred, prepend: preferred, append: [] };
    if (this.opts.debug) config.debug = this.opts.debug;
    return config;
  }

  /**
   * Runs the handshake: resolves with the connection once ready; on failure ends the client, the socket and the
   * ProxyCommand (whose stderr joins the error) and rejects with the host-key refusal or an actionable error.
   */
  private handshake(
    spec: SshHostSpec,
    key: string,
    config: ConnectConfig,
    route: Route,
    verifier: HostVerifier,
    failure: ConnectFailure,
  ): Promise<SshConnection> {
    const { sock, proxy } = route;
    const dropProxy = () => {
      if (!proxy) return;
      proxy.kill();
      this.proxies.delete(proxy);
    };
    const client = new ssh2.Client();
    return new Promise<SshConnection>((resolve, reject) => {
      let conn: SshConnection | undefined;
      let failed = false;
      const fail = async (err: Error) => {
        if (conn || failed) return;
        failed = true;
        client.end();
        sock?.destroy();
        if (proxy) {
          await Promise.race([proxy.closed, delay(500)]);
          failure.proxyStderr = proxy.stderrTail() || undefined;
          dropProxy();
        }
        reject(verifier.error() ?? (err instanceof FerryError ? err : connectError(err, failure)));
      };
      client.on('ready', () => {
        if (failed) return;
        this.opened++;
        conn = new SshConnection(key, client, this.opts.maxSessionsPerConnection ?? 10);
        resolve(conn);
      });
      client.on('error', (err) => {
        if (!conn) void fail(err);
        else this.opts.debug?.(`${spec.name}: ${err.message}`);
      });
      client.on('close', () => {
        if (conn) dropProxy();
        else void fail(new Error('connection closed before SSH was ready'));
      });
      try {
        client.connect(config);
      } catch (err) {
        void fail(err as Error);
      }
    });
  }

  /** A forwarded channel to spec's host:port through the last ProxyJump hop (itself pooled). */
  private async jump(spec: SshHostSpec, depth: number): Promise<Duplex> {
    if (depth >= MAX_JUMP_DEPTH) {
      throw new FerryError({ code: 'BAD_INPUT', host: spec.name, message: `ProxyJump chain for ${spec.name} is too long (a loop?)` });
    }
    const hops = parseProxyJump(spec.proxyJump ?? '');
    const last = hops[hops.length - 1]!;
    const base = this.opts.resolveJumpHost?.(last.host) ?? this.plainSpec(last.host);
    const jumpSpec: SshHostSpec = { ...base, user: last.user ?? base.user, port: last.port ?? base.port };
    if (hops.length > 1) {
      jumpSpec.proxyJump = hops.slice(0, -1).map(formatHop).join(',');
      delete jumpSpec.proxyCommand;
    }
    const conn = await this.connect(jumpSpec, depth + 1);
    try {
      return await conn.forwardOut(spec.hostName, spec.port);
    } catch (err) {
      throw unreachable({ label: spec.name }, `jump host ${jumpSpec.name} cannot reach ${spec.hostName}:${spec.port}: ${(err as Error).message}`, err);
    }
  }

  private plainSpec(host: string): HostSpec {
    return { name: host, hostName: host, user: os.userInfo().username, port: 22, identityFiles: [], source: 'ProxyJump' };
  }
}

function formatHop(hop: JumpHop): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user ? `${hop.user}@` : ''}${host}${hop.port ? `:${hop.port}` : ''}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
