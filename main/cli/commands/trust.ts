// `ferry hosts trust HOST`: shows an unknown host key's fingerprint and adds it to known_hosts only when the
// operator confirms it (y/N on a terminal, or --fingerprint matching exactly); a changed key is refused.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { FerryError, toErrorInfo } from '../../../app/errors';
import type { Inventory } from '../../hosts/inventory';
import { loadInventory } from '../../hosts/inventory';
import { knownHostsName } from '../../hosts/known-hosts';
import { SshPool, type NewHostKey, type SshPoolOptions } from '../../hosts/ssh-pool';
import { inventoryFiles } from '../../controller/controller';
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

/** What trustHost did. */
export interface TrustOutcome {
  host: string;
  /** `host` or `[host]:port`, as known_hosts names it. */
  name: string;
  status: 'added' | 'already-trusted';
  keyType?: string;
  fingerprint?: string;
  file?: string;
  /** Set when the key was added but logging in then failed (the host is not usable yet). */
  loginError?: ReturnType<typeof toErrorInfo>;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Connects to `host`; an unknown key is shown and appended to known_hosts only when confirmed. */
export async function trustHost(
  inventory: Inventory,
  host: string,
  opts: TrustOptions,
  io: TrustIo,
  poolOptions: SshPoolOptions = {},
): Promise<TrustOutcome> {
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
  let offered: NewHostKey | undefined;
  let refusal: FerryError | undefined;
  const decide = async (key: NewHostKey): Promise<boolean> => {
    offered = key;
    io.say(`The host key of ${key.host} (${name}) is not in known_hosts:\n  ${key.keyType} ${key.fingerprint}`);
    const unknown = (message: string) =>
      new FerryError({
        code: 'HOST_KEY_UNKNOWN',
        host,
        message,
        hint: `Compare with the host's own fingerprint (on the host: ssh-keygen -lf /etc/ssh/ssh_host_${key.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub), then run: ferry hosts trust ${host} --fingerprint ${key.fingerprint}`,
      });
    if (opts.fingerprint !== undefined) {
      if (key.fingerprint !== opts.fingerprint) {
        refusal = new FerryError({
          code: 'HOST_KEY_MISMATCH',
          host,
          message: `${host} (${name}) presented ${key.keyType} ${key.fingerprint}, not the expected ${opts.fingerprint}. Not trusted.`,
          hint: 'Someone may be intercepting the connection, or you checked another host or key type. Nothing was written.',
        });
        return false;
      }
      if (opts.yes || !io.interactive) return true;
    } else if (!io.interactive) {
      refusal = unknown(`Host key of ${host} (${name}) not trusted: no terminal to confirm ${key.fingerprint} and no --fingerprint given`);
      return false;
    }
    const answer = await io.ask(`Add this key for ${name} to ${key.file}? [y/N] `);
    if (/^\s*y(es)?\s*$/i.test(answer)) return true;
    refusal = unknown(`Host key of ${host} (${name}) not trusted: declined`);
    return false;
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
    if (offered && info.code !== 'HOST_KEY_UNKNOWN' && info.code !== 'HOST_KEY_MISMATCH') return outcome(host, name, offered, info);
    throw err;
  } finally {
    await pool.close();
  }
  return offered ? outcome(host, name, offered) : { host, name, status: 'already-trusted' };
}

function outcome(host: string, name: string, key: NewHostKey, loginError?: TrustOutcome['loginError']): TrustOutcome {
  return { host, name, status: 'added', keyType: key.keyType, fingerprint: key.fingerprint, file: key.file, ...(loginError ? { loginError } : {}) };
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
        const inventory = loadInventory({ files: inventoryFiles() });
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
          console.log(`${host}: added ${result.keyType} ${result.fingerprint} for ${result.name} to ${result.file}`);
          if (result.loginError) process.stderr.write(`ferry: but logging in failed [${result.loginError.code}]: ${result.loginError.message}\n`);
        }
        if (result.loginError) process.exitCode = 1;
      }),
    );
}
