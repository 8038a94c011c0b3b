// `ferry hosts prepare HOST`: pushes Ferry's self-contained CRIU prefix (the /opt/ferry/bin/criu wrapper and the
// build it runs, with its own loader and libraries) over SSH, checks it arrived intact there, raises
// fs.pipe-max-size, warms CRIU's kernel-feature cache and re-runs the readiness checks. Nothing else is installed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HostPrepared } from '../../app/contract/contract';
import { FerryError } from '../../app/errors';
import { SECTION_MARKER } from '../../app/parse/sections';
import { parsePrepareProbe, prepareDecision, PREPARE_PIPE_MAX_SIZE, type LocalPrefix } from '../../app/plan/prepare-host';
import { hostReadiness } from '../../app/plan/readiness';
import { raisePipeMaxSize } from '../engine/prepare-hosts';
import { probeHost, CRIU_CANDIDATES } from '../net/host-probe';
import { mustRunLocal } from '../util/local-exec';
import type { Executor } from './executor';

/** Where Ferry's prefix lives, here and on every host (the wrapper names its loader by absolute path). */
export const PREFIX_ROOT = '/opt/ferry';

/**
 * Checksum of PARTS under ROOT: every file's SHA-256, every symlink's target, every file's and folder's mode, in
 * one sorted list hashed again. The same script runs on the controller and on the host. $1 root, $2.. parts.
 */
export const MANIFEST_SCRIPT = [
  'cd "$1" || exit 1; shift',
  'for p in "$@"; do [ -e "$p" ] || { echo "missing $p" >&2; exit 3; }; done',
  '{ find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum',
  '  find "$@" -type l -printf \'L %p %l\\n\' | LC_ALL=C sort',
  '  find "$@" \\( -type f -o -type d \\) -printf \'M %m %p\\n\' | LC_ALL=C sort',
  "} | sha256sum | cut -d' ' -f1",
].join('\n');

/**
 * The host's facts in one round trip: $1 root, $2.. parts. The writable test creates and removes one file in the
 * root or its nearest existing parent (nothing is made before the operator's prefix is known to fit).
 */
export const PREPARE_PROBE_SCRIPT = [
  `sec() { printf '\\n${SECTION_MARKER} %s\\n' "$1"; }`,
  'root=$1; manifest=$2; shift 2',
  'sec arch; uname -m',
  'sec uid; id -u',
  'd=$root; while [ ! -d "$d" ]; do d=${d%/*}; [ -n "$d" ] || d=/; done',
  't="$d/.ferry-write-test.$$"',
  'sec writable; if ( : >"$t" ) 2>/dev/null; then rm -f "$t"; echo "yes $d"; else echo "no $d"; fi',
  'sec free; df -Pk "$d" | awk \'NR == 2 { print $4 }\'',
  'sec run; stat -f -c %T /run',
  'sec pipe; cat /proc/sys/fs/pipe-max-size',
  'sec manifest; sh -c "$manifest" ferry-manifest "$root" "$@" 2>/dev/null',
  'sec end',
].join('\n');

/**
 * Receives the prefix as a tar stream into a fresh folder beside it: $1 root, $2 that folder's name. Exit 30: the
 * folder cannot be made; 31: the stream did not unpack.
 */
const RECEIVE_SCRIPT = [
  'root=$1; tmp="$1/$2"',
  'mkdir -p "$root" && rm -rf "$tmp" && mkdir -m 700 "$tmp" || exit 30',
  'tar -C "$tmp" -xf - || { rm -rf "$tmp"; exit 31; }',
].join('\n');

/**
 * Puts the checked parts in place with renames (the old copy moved aside first, removed last): $1 root, $2 the
 * incoming folder's name, $3.. parts. Exit 32: a rename failed (what was there is put back).
 */
const COMMIT_SCRIPT = [
  'root=$1; tmp="$1/$2"; shift 2; old="$tmp.old"',
  'rm -rf "$old"; mkdir -p "$old" || exit 32',
  'for p in "$@"; do',
  '  mkdir -p "$root/${p%/*}" "$old/${p%/*}" || exit 32',
  '  if [ -e "$root/$p" ] || [ -L "$root/$p" ]; then mv "$root/$p" "$old/$p" || exit 32; fi',
  '  mv "$tmp/$p" "$root/$p" || { [ -e "$old/$p" ] && mv "$old/$p" "$root/$p"; exit 32; }',
  'done',
  'rm -rf "$tmp" "$old"',
].join('\n');

const archOf = () => mustRunLocal(['uname', '-m']).then((s) => s.trim());

/** The controller's prefix: which CRIU build its wrapper runs, the parts to push, their size and checksum. */
export async function localPrefix(root = PREFIX_ROOT): Promise<LocalPrefix> {
  let wrapper: string;
  try {
    wrapper = readFileSync(`${root}/bin/criu`, 'utf8');
  } catch {
    throw new FerryError({
      code: 'CRIU_MISSING',
      message: `this machine has no Ferry CRIU prefix (${root}/bin/criu)`,
      hint: 'run scripts/install-criu.sh here first',
    });
  }
  const build = new RegExp(`'${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(criu/[A-Za-z0-9._+-]+)/`).exec(wrapper)?.[1];
  if (!build)
    throw new FerryError({
      code: 'CRIU_MISSING',
      message: `${root}/bin/criu does not name a CRIU build under ${root}/criu/`,
      hint: 'reinstall with scripts/install-criu.sh',
    });
  const parts = ['bin/criu', build];
  const [arch, manifest, du] = await Promise.all([
    archOf(),
    mustRunLocal(['sh', '-c', MANIFEST_SCRIPT, 'ferry-manifest', root, ...parts], { timeoutMs: 120_000 }),
    mustRunLocal(['du', '-sk', '--', ...parts.map((p) => `${root}/${p}`)]),
  ]);
  const sizeKiB = du.split('\n').reduce((n, l) => n + (Number(l.split('\t')[0]) || 0), 0);
  return { root, arch, parts, sizeKiB, manifest: manifest.trim() };
}

/** Streams the parts as one tar from this machine into the host's receiving script; resolves with the bytes sent. */
async function push(exec: Executor, host: string, prefix: LocalPrefix, incoming: string): Promise<number> {
  const remote = await exec.spawn(host, ['sh', '-c', RECEIVE_SCRIPT, 'ferry-receive', prefix.root, incoming]);
  const tar = spawn('tar', ['-C', prefix.root, '-cf', '-', '--', ...prefix.parts], { stdio: ['ignore', 'pipe', 'pipe'] });
  let bytes = 0;
  let tarErr = '';
  let remoteErr = '';
  tar.stdout.on('data', (d: Buffer) => (bytes += d.length));
  tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
  remote.stderr.on('data', (d: Buffer) => (remoteErr += d.toString()));
  remote.stdout.resume();
  // A host that stops reading (its tar failed) ends the pipe: its exit status says why, not an EPIPE here.
  remote.stdin.on('error', () => tar.kill());
  tar.stdout.pipe(remote.stdin);
  const tarCode = await new Promise<number>((resolve) => tar.on('close', (c) => resolve(c ?? -1)));
  const code = await remote.exit;
  if (tarCode !== 0) throw new FerryError({ code: 'COMMAND_FAILED', message: `reading the local prefix failed (tar exited ${tarCode}): ${tarErr.trim()}` });
  if (code !== 0) {
    throw new FerryError({
      code: 'TRANSFER_FAILED',
      host,
      message: `${host} could not ${code === 30 ? `make ${prefix.root}/${incoming}` : 'unpack the prefix'} (exit ${code}): ${remoteErr.trim()}`,
      hint: 'check the free space and the file system under /opt',
    });
  }
  return bytes;
}

/** Prepares `host`; throws PREPARE_REFUSED / NO_PRIVILEGES (nothing changed) or the failure of a step. */
export async function prepareHost(
  exec: Executor,
  host: string,
  opts: { prefix?: LocalPrefix; log?: (line: string) => void; criu?: readonly string[] } = {},
): Promise<HostPrepared> {
  const say = opts.log ?? (() => {});
  const prefix = opts.prefix ?? (await localPrefix());
  const probe = await exec.run(host, ['sh', '-c', PREPARE_PROBE_SCRIPT, 'ferry-prepare-probe', prefix.root, MANIFEST_SCRIPT, ...prefix.parts], {
    timeoutMs: 120_000,
  });
  if (!probe.stdout.includes(`${SECTION_MARKER} end`)) {
    throw new FerryError({ code: 'COMMAND_FAILED', host, message: `cannot read ${host}'s state (exit ${probe.code}): ${probe.stderr.trim()}` });
  }
  const facts = parsePrepareProbe(probe.stdout);
  const decision = prepareDecision(host, prefix, facts);
  if (!decision.ok) throw new FerryError(decision.problem);
  const steps: string[] = [];
  let bytes = 0;
  if (decision.copy) {
    const incoming = `.incoming-${process.pid}-${Date.now().toString(36)}`;
    say(`copying ${prefix.parts.join(' and ')} (${Math.round(prefix.sizeKiB / 1024)} MiB) to ${host}:${prefix.root}`);
    bytes = await push(exec, host, prefix, incoming);
    const there = await exec.run(host, ['sh', '-c', MANIFEST_SCRIPT, 'ferry-manifest', `${prefix.root}/${incoming}`, ...prefix.parts], { timeoutMs: 120_000 });
    if (there.stdout.trim() !== prefix.manifest) {
      await exec.run(host, ['rm', '-rf', '--', `${prefix.root}/${incoming}`]);
      throw new FerryError({
        code: 'TRANSFER_FAILED',
        host,
        message: `the prefix arrived on ${host} with checksum ${there.stdout.trim() || `? (${there.stderr.trim()})`}, expected ${prefix.manifest}: removed, nothing installed`,
        hint: 'prepare again',
      });
    }
    steps.push(`copied ${(bytes / 1048576).toFixed(1)} MiB; checksum verified on ${host} (${prefix.manifest.slice(0, 12)}…)`);
    const commit = await exec.run(host, ['sh', '-c', COMMIT_SCRIPT, 'ferry-commit', prefix.root, incoming, ...prefix.parts]);
    if (commit.code !== 0)
      throw new FerryError({
        code: 'COMMAND_FAILED',
        host,
        message: `putting the prefix in place on ${host} failed (exit ${commit.code}): ${commit.stderr.trim()}`,
      });
    steps.push(`installed ${prefix.parts.map((p) => `${prefix.root}/${p}`).join(', ')}`);
  }
  if (decision.raisePipeMaxSize) {
    const was = await raisePipeMaxSize(exec, host, PREPARE_PIPE_MAX_SIZE);
    steps.push(`raised fs.pipe-max-size from ${was} to ${PREPARE_PIPE_MAX_SIZE} (until the next boot: CRIU's lazy page pipes need it)`);
  }
  // The readiness probe runs `criu check`, which writes CRIU's kernel-feature cache (/run/criu.kdat on a tmpfs).
  const snap = await probeHost(exec, host, { criu: opts.criu ?? CRIU_CANDIDATES, criuCheck: true });
  const checks = hostReadiness(snap);
  if (facts.runIsTmpfs) steps.push("CRIU's kernel-feature cache written to /run/criu.kdat (by criu check)");
  return { host, copied: decision.copy, bytes, manifest: prefix.manifest, steps, notes: decision.notes, ready: checks.every((c) => c.ok || c.warning), checks };
}
