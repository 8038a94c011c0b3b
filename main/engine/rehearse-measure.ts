// What a rehearsal measures on the hosts, changing nothing that outlives it: each host's fixed costs (SSH round
// trip, CRIU's start-up, one nft and one ip process, criu check), the tree's facts (threads, memory, mappings,
// descriptors, namespaces, UNIX peers), and about a second of pages' worth of data source → destination over the
// pages' own kind of path (socat TLS with keys made for this measurement, behind a guard admitting only the source),
// everything it set up removed afterwards.
import { FerryError } from '../../app/errors';
import type { HostCosts, LinkFacts } from '../../app/model/prediction';
import { pageGuardTableText } from '../../app/plan/page-guard';
import { SECTION_MARKER } from '../../app/parse/sections';
import { parseTreeFacts, type TreeFacts } from '../../app/parse/tree-facts';
import { checkAddress, pageStreamPaths, tlsOptions } from '../criu/page-relay';
import type { Executor } from '../hosts/executor';
import { makePageTls, pushPageTls } from './page-tls';
import { makeImageDirArgv } from './prepare-hosts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[s.length >> 1] as number) : NaN;
};
const ms1 = (n: number) => Math.round(n * 10) / 10;

// $1 criu: prints `criu N`, `nft N`, `ip N` (µs, one line per run, 3 runs each) and `check N` (one criu check).
const HOST_COSTS_SCRIPT = `
criu=$1
t() { s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
for i in 1 2 3; do echo "criu $(t "$criu" --version)"; echo "nft $(t nft list tables)"; echo "ip $(t ip -o link show lo)"; done
echo "check $(t "$criu" check)"
`;

/** One host's fixed costs, measured now. */
export async function measureHostCosts(exec: Executor, host: string, criu: string): Promise<HostCosts> {
  const rtts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    await exec.run(host, ['true']);
    rtts.push(performance.now() - s);
  }
  const r = await exec.run(host, ['sh', '-c', HOST_COSTS_SCRIPT, 'ferry-costs', criu], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host, message: `measuring the host's fixed costs failed: ${r.stderr.trim()}` });
  const of = (k: string) =>
    r.stdout
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([name]) => name === k)
      .map(([, v]) => Number(v) / 1000);
  return {
    rttMs: ms1(median(rtts)),
    criuStartMs: ms1(median(of('criu'))),
    nftMs: ms1(median(of('nft'))),
    ipMs: ms1(median(of('ip'))),
    criuCheckMs: ms1(median(of('check'))),
  };
}

// $@ the tree's PIDs: sections proc (per PID), host (init's namespaces), unix (ss -xapH).
const TREE_FACTS_SCRIPT = `
sec() { printf '\\n${SECTION_MARKER} %s\\n' "$1"; }
sec proc
for p; do
  [ -d "/proc/$p" ] || continue
  echo "pid $p"
  grep -E '^(Threads|RssAnon|RssShmem):' "/proc/$p/status" 2>/dev/null
  echo "maps $(wc -l < "/proc/$p/maps" 2>/dev/null)"
  awk '$6 ~ /^\\/dev\\// && $6 != "/dev/zero" { print "devmap " $6 } / \\(deleted\\)$/ && $6 !~ /^\\/(memfd:|SYSV|dev\\/zero)/ { print "deleted " $6 }' "/proc/$p/maps" 2>/dev/null | sort -u
  for f in /proc/$p/fd/*; do l=$(readlink "$f" 2>/dev/null) && case $l in socket:*|anon_inode:*) echo "fd $l";; esac; done
  for n in net mnt pid ipc uts user cgroup; do echo "ns $n $(readlink "/proc/$p/ns/$n" 2>/dev/null)"; done
done
sec host
for n in net mnt pid ipc uts user cgroup; do echo "ns $n $(readlink "/proc/1/ns/$n" 2>/dev/null)"; done
sec unix
ss -xapH 2>/dev/null
sec end
`;

/** The tree's facts on its host (read-only). */
export async function readTreeFacts(exec: Executor, host: string, pids: readonly number[]): Promise<TreeFacts> {
  if (pids.some((p) => !Number.isInteger(p) || p < 1)) throw new FerryError({ code: 'BAD_INPUT', host, message: 'refusing odd PIDs' });
  const r = await exec.run(host, ['sh', '-c', TREE_FACTS_SCRIPT, 'ferry-tree-facts', ...pids.map(String)], { timeoutMs: 60_000 });
  if (!r.stdout.includes(`${SECTION_MARKER} end`))
    throw new FerryError({ code: 'COMMAND_FAILED', host, message: `reading the tree failed: ${r.stderr.trim()}` });
  return parseTreeFacts(r.stdout);
}

/** Where the bandwidth measurement runs: both hosts' scratch folders and the addresses the pages would use. */
export interface LinkProbe {
  id: string;
  from: string;
  to: string;
  /** The destination's address the source sends to, and the source's address it sends from. */
  listen: string;
  peer: string;
  port: number;
  sourceDir: string;
  destinationDir: string;
  seconds?: number;
}

// Destination: $1 pid file, $2 listen address (for ss), $3 port, $4 the count file, $5.. socat argv. Starts the
// receiver detached (it writes `BYTES MICROSECONDS` into the count file when the stream ends) and waits until it listens.
const RECEIVER_START = [
  'pidf=$1; addr=$2; port=$3; out=$4; shift 4',
  // The first MiB (TLS handshake, slow start) is not timed; from then on bytes and µs until the stream ends.
  'setsid sh -c \'"$@" | { head -c 1048576 >/dev/null; s=$(date +%s%N); n=$(wc -c); e=$(date +%s%N); echo "$n $(( (e - s) / 1000 ))" >"$0"; }\' "$out" "$@" </dev/null >/dev/null 2>&1 &',
  'echo $! >"$pidf"',
  'i=0; until ss -Hltn "sport = :$port" | grep -q .; do [ $i -lt 300 ] || { echo "the receiver did not listen in 3 s" >&2; exit 1; }; sleep 0.01; i=$((i+1)); done',
].join('\n');

// Source: $1 seconds, $2.. socat argv: prints the ms it ran (the send, TLS handshake included).
const SENDER = 's=$(date +%s%N); secs=$1; shift; timeout "$secs" "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))';

/**
 * About `seconds` of zeros source → destination through socat with TLS (the relays' kind of path, keys made for
 * this measurement); the guard admits only the source to the port. Everything is removed afterwards.
 */
export async function measureLink(exec: Executor, p: LinkProbe): Promise<LinkFacts> {
  const listen = checkAddress(p.listen, p.port);
  const peer = checkAddress(p.peer, 1);
  const guard = `ferry-ps-${p.id.replace(/[^A-Za-z0-9-]/g, '')}`.slice(0, 64);
  const src = pageStreamPaths(p.sourceDir);
  const dst = pageStreamPaths(p.destinationDir);
  const count = `${p.destinationDir}/bytes`;
  try {
    await Promise.all([exec.run(p.from, makeImageDirArgv(p.sourceDir)), exec.run(p.to, makeImageDirArgv(p.destinationDir))]).then((rs) =>
      rs.forEach((r, i) => {
        if (r.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host: i ? p.to : p.from, message: `scratch folder: ${r.stderr.trim()}` });
      }),
    );
    const keys = await makePageTls(p.id, [listen.address]);
    await Promise.all([
      pushPageTls(exec, p.from, src.tlsDir, { ca: keys.ca, ...keys.source }),
      pushPageTls(exec, p.to, dst.tlsDir, { ca: keys.ca, ...keys.destination }),
    ]);
    const g = await exec.run(p.to, ['nft', '-f', '-'], { stdin: pageGuardTableText(guard, listen.address, [p.port], peer.address) });
    if (g.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host: p.to, message: `guard: ${g.stderr.trim()}` });
    const recv = [
      'socat',
      '-u',
      `OPENSSL-LISTEN:${p.port},${[`bind=${listen.bracketed}`, 'reuseaddr', `pf=${listen.family === 4 ? 'ip4' : 'ip6'}`, ...tlsOptions({ ca: dst.ca, cert: dst.cert, key: dst.key }), 'verify=1'].join(',')}`,
      'STDOUT',
    ];
    const started = await exec.run(p.to, ['sh', '-c', RECEIVER_START, 'ferry-link-recv', dst.pidFile, listen.address, String(p.port), count, ...recv]);
    if (started.code !== 0) throw new FerryError({ code: 'COMMAND_FAILED', host: p.to, message: `receiver: ${started.stderr.trim()}` });
    const send = [
      'socat',
      '-u',
      '-b',
      String(1 << 20),
      'OPEN:/dev/zero',
      `OPENSSL:${listen.bracketed}:${p.port},${[`bind=${peer.bracketed}`, 'nodelay', ...tlsOptions({ ca: src.ca, cert: src.cert, key: src.key }), 'verify=1', `commonname=${listen.address}`].join(',')}`,
    ];
    const s = await exec.run(p.from, ['sh', '-c', SENDER, 'ferry-link-send', String(p.seconds ?? 1.2), ...send], { timeoutMs: 30_000 });
    const sentMs = Number(s.stdout.trim());
    let bytes = NaN;
    let ms = NaN;
    for (let i = 0; i < 100 && !(bytes >= 0); i++) {
      const r = await exec.run(p.to, ['sh', '-c', '[ -s "$1" ] && cat "$1"', 'ferry-link-count', count]);
      const [b, us] = r.code === 0 ? r.stdout.trim().split(' ').map(Number) : [];
      bytes = b ?? NaN;
      ms = (us ?? NaN) / 1000;
      if (!(bytes >= 0)) await new Promise((res) => setTimeout(res, 30));
    }
    if (!(bytes > 0) || !(ms > 0))
      throw new FerryError({ code: 'COMMAND_FAILED', host: p.to, message: `no data arrived (${s.stderr.trim() || `sent for ${sentMs} ms`})` });
    return { bandwidthMiBps: Math.round((bytes / 1048576 / (ms / 1000)) * 10) / 10, bytes, ms: Math.round(ms) };
  } finally {
    await Promise.all([
      exec
        .run(p.to, [
          'sh',
          '-c',
          'p=$(cat "$1" 2>/dev/null) && kill -- "-$p" 2>/dev/null; nft delete table inet "$2" 2>/dev/null; rm -rf -- "$3"; exit 0',
          'ferry-link-end',
          dst.pidFile,
          guard,
          p.destinationDir,
        ])
        .catch(() => undefined),
      exec.run(p.from, ['rm', '-rf', '--', p.sourceDir]).catch(() => undefined),
    ]);
  }
}
