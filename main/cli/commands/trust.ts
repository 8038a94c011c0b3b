// `ferry hosts trust HOST`: shows an unknown host key's fingerprint and adds it to known_hosts only when the
// operator confirms it (y/N on a terminal, or --fingerprint matching exactly); a changed key is refused.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { FerryError, toErrorInfo } from '../../../app/errors';
import type { Inventory } from '../../hosts/inventory';
import { knownHostsName } from '../../hosts/known-hosts';
import { SshPool, type NewHostKey, type SshPoolOptions } from '../../hosts/ssh-pool';
import { liveInventory } from '../../controller/controller';
import { action, printJson } from '../output';

/** `--fingerprint` and `--yes`. */
export interface TrustOptions {
  /** The fingerprint the operator checked on the host (`SHA256:` + 43 base64 characters). */
  fingerprint?: string;
  /** Do not ask (only together with a matching --fingerprint). */
  yes?: boolean;
}

/** How trustHost talks to the operator. */
export interface TrustIo {
  /** A terminal is attached: the operator can answer y/N. */
  interactive: boolean;
  ask(question: string): Promise<string>;
  say(line: string): void;
}

/** One key added to known_hosts: the host it belongs to (the target, or a jump host on its way). */
export interface TrustedKey {
  host: string;
  /** `host` or `[host]:port`, as known_hosts names it. */
  name: string;
  keyType: string;
  fingerprint: string;
  file: string;
  /** The key is a jump host's (ProxyJump), met on the way to the target. */
  jump: boolean;
}

/** What trustHost did. */
export interface TrustOutcome {
  host: string;
  /** `host` or `[host]:port`, as known_hosts names the target. */
  name: string;
  status: 'added' | 'already-trusted';
  keyType?: string;
  fingerprint?: string;
  file?: string;
  /** Every key added, jump hosts' included, each under its own host's name. */
  keys?: TrustedKey[];
  /** Set when the key was added but logging in then failed (the host is not usable yet). */
  loginError?: ReturnType<typeof toErrorInfo>;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Connects to `host`; an unknown key is shown and appended to known_hosts only when confirmed. */
export async function trustHost(inventory: Inventory, host: string, opts: TrustOptions, io: TrustIo, poolOptions: SshPoolOptions = {}): Promise<TrustOutcome> {
  if (opts.fingerprint !== undefined && !FINGERPRINT.test(opts.fingerprint)) {
    throw new FerryError({
      code: 'BAD_INPUT',
      message: `--fingerprint must look like SHA256: followed by 43 base64 characters (as ssh-keygen -lf prints it), got ${JSON.stringify(opts.fingerprint)}`,
    });
  }
  if (opts.yes && opts.fingerprint === undefined) {
    throw new FerryError({ code: 'BAD_INPUT', message: '--yes needs --fingerprint: Ferry never trusts a host key that nobody checked' });
  }
  const spec = inventory.resolveHost(host);
  const name = knownHostsName(spec.hostName, spec.port);
  const added: TrustedKey[] = [];
  let pending: TrustedKey | undefined;
  let refusal: FerryError | undefined;
  const decide = async (key: NewHostKey): Promise<boolean> => {
    // The key belongs to the host that presented it: a jump host on the way is named as itself, not as the target.
    const jump = key.host.toLowerCase() !== spec.name.toLowerCase() || key.hostName !== spec.hostName || key.port !== spec.port;
    const owner = key.host;
    const keyName = knownHostsName(key.hostName, key.port);
    const who = jump ? `jump host ${owner} (${keyName}, on the way to ${host})` : `${owner} (${keyName})`;
    pending = { host: owner, name: keyName, keyType: key.keyType, fingerprint: key.fingerprint, file: key.file, jump };
    io.say(`The host key of ${who} is not in known_hosts:\n  ${key.keyType} ${key.fingerprint}`);
    const unknown = (message: string) =>
      new FerryError({
        code: 'HOST_KEY_UNKNOWN',
        host: owner,
        message,
        hint: `Compare with the host's own fingerprint (on ${owner}: ssh-keygen -lf /etc/ssh/ssh_host_${key.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub), then run: ferry hosts trust ${jump ? owner : host} --fingerprint ${key.fingerprint}`,
      });
    if (opts.fingerprint !== undefined) {
      if (key.fingerprint !== opts.fingerprint) {
        refusal = new FerryError({
          code: 'HOST_KEY_MISMATCH',
          host: owner,
          message: `${who} presented ${key.keyType} ${key.fingerprint}, not the expected ${opts.fingerprint}. Not trusted.`,
          hint: jump
            ? `--fingerprint is checked against each unknown key in turn: trust the jump host first (ferry hosts trust ${owner} --fingerprint …), then ${host}. Nothing was written for ${owner}.`
            : 'Someone may be intercepting the connection, or you checked another host or key type. Nothing was written.',
        });
        return false;
      }
      if (opts.yes || !io.interactive) return accepted();
    } else if (!io.interactive) {
      refusal = unknown(`Host key of ${who} not trusted: no terminal to confirm ${key.fingerprint} and no --fingerprint given`);
      return false;
    }
    const answer = await io.ask(`Add this key for ${keyName}${jump ? ` (jump host ${owner})` : ''} to ${key.file}? [y/N] `);
    if (/^\s*y(es)?\s*$/i.test(answer)) return accepted();
    refusal = unknown(`Host key of ${who} not trusted: declined`);
    return false;
  };
  const accepted = () => {
    if (pending) added.push(pending);
    return true;
  };
  const pool = new SshPool({
    resolveJumpHost: (n) => inventory.resolveAny(n),
    readyTimeoutMs: 20_000,
    ...poolOptions,
    acceptNewKey: decide,
  });
  try {
    await pool.connect(spec);
  } catch (err) {
    if (refusal) throw refusal;
    const info = toErrorInfo(err);
    // The key was written before authentication, which then failed: say both.
    if (added.length && info.code !== 'HOST_KEY_UNKNOWN' && info.code !== 'HOST_KEY_MISMATCH') return outcome(host, name, added, info);
    throw err;
  } finally {
    await pool.close();
  }
  return added.length ? outcome(host, name, added) : { host, name, status: 'already-trusted' };
}

/** The outcome; its top-level key fields are the target's key when it was added, else the last one added. */
function outcome(host: string, name: string, keys: TrustedKey[], loginError?: TrustOutcome['loginError']): TrustOutcome {
  const main = keys.find((k) => !k.jump) ?? keys[keys.length - 1]!;
  return { host, name, status: 'added', keyType: main.keyType, fingerprint: main.fingerprint, file: main.file, keys, ...(loginError ? { loginError } : {}) };
}

/** Registers `trust` under `ferry hosts`. */
export function registerTrust(hosts: Command): void {
  hosts
    .command('trust')
    .description("show an unknown host key's fingerprint and add it to known_hosts once confirmed")
    .argument('<host>', 'inventory name')
    .option('--fingerprint <SHA256:...>', 'the fingerprint checked on the host; required without a terminal')
    .option('--yes', 'do not ask (only with a matching --fingerprint)')
    .option('--json', 'print the outcome as JSON')
    .action(
      action(async (host: string, o: TrustOptions & { json?: boolean }) => {
        const inventory = liveInventory()();
        const io: TrustIo = {
          interactive: !!process.stdin.isTTY,
          // Opened only now, so what the operator typed ahead waits in the terminal instead of being dropped.
          ask: async (q) => {
            const rl = createInterface({ input: process.stdin, output: process.stderr });
            try {
              return await rl.question(q);
            } finally {
              rl.close();
            }
          },
          say: (line) => process.stderr.write(`${line}\n`),
        };
        let result: TrustOutcome;
        try {
          result = await trustHost(inventory, host, o, io);
        } catch (err) {
          if (err instanceof FerryError && err.code === 'HOST_KEY_MISMATCH' && !o.json) {
            process.stderr.write(`@@@ WARNING: the host key of ${host} is NOT the expected one; nothing was written @@@\n`);
          }
          throw err;
        }
        if (o.json) printJson({ ok: !result.loginError, ...result });
        else if (result.status === 'already-trusted') console.log(`${host} (${result.name}): host key already in known_hosts`);
        else {
          for (const k of result.keys ?? [])
            console.log(`${k.host}${k.jump ? ' (jump host)' : ''}: added ${k.keyType} ${k.fingerprint} for ${k.name} to ${k.file}`);
          if (result.loginError) process.stderr.write(`ferry: but logging in failed [${result.loginError.code}]: ${result.loginError.message}\n`);
        }
        if (result.loginError) process.exitCode = 1;
      }),
    );
}
