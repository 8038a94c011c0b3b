// Reads a host's state in one remote command: identity, kernel, CRIU, tools, addresses, routes, processes, sockets.
import { FerryError } from '../../app/errors';
import type { HostSnapshot } from '../../app/model/snapshot';
import { parseCriuCheck, parseCriuVersion } from '../../app/parse/criu';
import { parseIpAddr, parseIpRoute } from '../../app/parse/ip';
import { PS_ARGV, parseProcStatIds, parsePs } from '../../app/parse/ps';
import { SECTION_MARKER, splitSections } from '../../app/parse/sections';
import { parseNetns } from '../../app/parse/netns';
import { parseSharedMemory } from '../../app/parse/smaps';
import { BRIEF_FIGURES, parseSs } from '../../app/parse/ss';
import { PROBE_ARGV0 } from '../../app/process-view/operator-processes';
import type { Executor } from '../hosts/executor';
import { MIGRATION_LIMITS } from '../../app/contract/schemas';

/** Where Ferry looks for CRIU on a host, in order. */
export const CRIU_CANDIDATES = ['/opt/ferry/bin/criu', '/usr/local/sbin/criu', '/usr/sbin/criu', 'criu'];

/** A CRIU location given by the operator: an absolute path of plain characters. */
const CRIU_PATH = /^\/[A-Za-z0-9_./+-]+$/;

/** The candidates, with FERRY_CRIU (a path on the hosts, set on the controller) first when given. */
export function criuCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const own = env.FERRY_CRIU;
  if (own !== undefined && !CRIU_PATH.test(own)) {
    throw new FerryError({ code: 'BAD_INPUT', message: `FERRY_CRIU must be an absolute path, got ${JSON.stringify(own)}` });
  }
  return own ? [own] : CRIU_CANDIDATES;
}

/** Tools the engine runs on hosts, and what each is for. */
export const REQUIRED_TOOLS: Record<string, string> = {
  ip: 'iproute2 (address moves)',
  ss: 'iproute2 (socket inspection)',
  nft: 'nftables (network lock)',
  arping: 'iputils-arping (gratuitous ARP)',
  tar: 'tar (image transfer)',
  ps: 'procps (process list)',
  socat: 'socat (the page-stream relay, TLS)',
  perl: 'perl-base (hands the relay socket to CRIU)',
};

/** Tools only some modes need (probed, not required for readiness): python3 for lazy mode's page guard. */
export const MODE_TOOLS: Record<string, string> = {
  python3: 'python3 (lazy mode: the page guard and its recovery)',
};

export interface ProbeOptions {
  /** Where to look for CRIU (and read its version), in order; absent or false: CRIU is not looked for. */
  criu?: readonly string[] | false;
  criuCheck?: boolean;
  processes?: boolean;
  /**
   * The TCP sockets (`ss -tainpHO`); 'brief': only what the process views show (SsParseOptions.brief), with ss's
   * column padding squeezed out on the host (10,000 sockets: 6.6 MB of output, 4.1 MB squeezed).
   */
  sockets?: boolean | 'brief';
  /** Read this process's ids (session, process group) from /proc, and its tree's shared memory mappings. */
  statPid?: number;
}

/**
 * Brief sockets (ProbeOptions.sockets 'brief'), filtered on the host as ss prints them: runs of spaces squeezed (ss
 * pads every column), and of the -i figures after the owners (`users:((…))`, up to its last `))`) only those the
 * process views show and the rto schedule reads. Lines without owners, and a name's continuation line (a newline in
 * a process name), pass squeezed only. 10,000 sockets: 6.6 MB of ss output, 1.1 MB filtered, ~40 ms of CPU (one substitution per line).
 */
export const BRIEF_SS_FILTER = String.raw`while (<STDIN>) { tr/ //s; my $e;
if (/^[A-Z][A-Z0-9-]* \d+ \d+ / && ($e = rindex($_, q{))})) >= 0) {
my $t = substr($_, $e + 2); $t =~ s/ (?!(?:${BRIEF_FIGURES.join('|')}):)\S+//g; $t =~ s/\s+$//; print substr($_, 0, $e + 2), $t, "\n" }
else { print } }`;

// Fixed script; every variable input arrives as a positional parameter.
// $1: criu candidates (colon-separated; empty: skip CRIU), $2: "1" to run criu check, $3: "1" for ps,
// $4: "1" for ss ("2": brief, through $6, a perl program; squeezed only by tr where perl is missing), $5: a PID whose /proc/PID/stat to read (or empty), $6..: ps argv. ss runs beside ps (its
// output waits in a temporary file): on a host with thousands of sockets the two take about as long.
const PROBE_SCRIPT = `
sec() { printf '\\n${SECTION_MARKER} %s\\n' "$1"; }
cands=$1; docheck=$2; dops=$3; doss=$4; statpid=$5; ssfilter=$6; sspid=; shift 6
if [ "$doss" = 1 ]; then sstmp=$(mktemp) || exit 1; ss -tainpHO >"$sstmp" & sspid=$!; fi
if [ "$doss" = 2 ]; then
  sstmp=$(mktemp) || exit 1
  if command -v perl >/dev/null 2>&1; then ss -tainpHO | perl -e "$ssfilter" >"$sstmp" & sspid=$!; else ss -tainpHO | tr -s ' ' >"$sstmp" & sspid=$!; fi
fi
sec uid; id -u
sec kernel; uname -r
sec criu
criu=
IFS=:; for c in $cands; do p=$(command -v "$c" 2>/dev/null) && { criu=$p; break; }; done; unset IFS
if [ -n "$criu" ]; then echo "$criu"; "$criu" --version 2>&1; fi
if [ -n "$criu" ] && [ "$docheck" = 1 ]; then sec criu-check; "$criu" check 2>&1; echo "exit=$?"; fi
sec tools
for t in ${[...Object.keys(REQUIRED_TOOLS), ...Object.keys(MODE_TOOLS)].join(' ')}; do printf '%s %s\\n' "$t" "$(command -v "$t" 2>/dev/null || echo -)"; done
sec tmpfs; for d in /run; do [ "$(stat -f -c %T "$d" 2>/dev/null)" = tmpfs ] && df -P -k "$d" 2>/dev/null | awk -v d="$d" 'NR == 2 { print d, $4 }'; done
sec mem; awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo 2>/dev/null
sec addr; ip -j addr show
sec route; ip -j route show table all
if [ "$dops" = 1 ]; then sec ps; "$@"; fi
if [ -n "$sspid" ]; then sec ss; wait $sspid; cat "$sstmp"; rm -f "$sstmp"; fi
if [ -n "$statpid" ]; then sec stat; cat "/proc/$statpid/stat" 2>/dev/null; fi
if [ -n "$statpid" ]; then
  sec netns; readlink /proc/self/ns/net; q=$statpid
  while [ -n "$q" ]; do
    set -- $q; p=$1; shift; q="$*"; printf '%s %s\\n' "$p" "$(readlink /proc/$p/ns/net 2>/dev/null)"
    for c in $(cat /proc/$p/task/*/children 2>/dev/null); do q="$q $c"; done
  done
  sec shmem; q=$statpid
  while [ -n "$q" ]; do
    set -- $q; p=$1; shift; q="$*"; echo "pid $p"
    awk -v p="$p" '/^[0-9a-f]+-[0-9a-f]+ /{s=($2 ~ /s$/); if (!s) next; print
      if (NF == 5 || $6 ~ /^\\/(dev\\/zero|memfd:|SYSV)/) { b = ""; c = "stat -L -c %b /proc/" p "/map_files/" $1 " 2>/dev/null"; c | getline b; close(c); if (b != "") print "Blocks: " b }
      next} s && /^Rss:/' "/proc/$p/smaps" 2>/dev/null
    for c in $(cat /proc/$p/task/*/children 2>/dev/null); do q="$q $c"; done
  done
fi
sec end
`;

/** Probes a host in one round trip. */
export async function probeHost(exec: Executor, host: string, opts: ProbeOptions = {}): Promise<HostSnapshot> {
  if (opts.statPid !== undefined && (!Number.isInteger(opts.statPid) || opts.statPid < 1 || opts.statPid > MIGRATION_LIMITS.pidMax)) {
    throw new FerryError({ code: 'BAD_INPUT', host, message: `not a PID: ${JSON.stringify(opts.statPid)}` });
  }
  const odd = (opts.criu || []).find((c) => c !== 'criu' && !CRIU_PATH.test(c));
  if (odd !== undefined) throw new FerryError({ code: 'BAD_INPUT', host, message: `not a CRIU location: ${JSON.stringify(odd)}` });
  const argv = [
    'sh',
    '-c',
    PROBE_SCRIPT,
    PROBE_ARGV0,
    opts.criu ? opts.criu.join(':') : '',
    opts.criuCheck ? '1' : '0',
    opts.processes ? '1' : '0',
    opts.sockets === 'brief' ? '2' : opts.sockets ? '1' : '0',
    opts.statPid === undefined ? '' : String(opts.statPid),
    BRIEF_SS_FILTER,
    ...PS_ARGV,
  ];
  const r = await exec.run(host, argv, { timeoutMs: 60_000 });
  const s = splitSections(r.stdout);
  if (!s.has('end')) {
    throw new FerryError({ code: 'COMMAND_FAILED', host, message: `host probe failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.slice(-500)}` });
  }
  const snap: HostSnapshot = {
    host,
    takenAt: Date.now(),
    uid: Number(s.get('uid')?.trim()),
    kernel: s.get('kernel')?.trim() ?? '',
    tools: parseTools(s.get('tools') ?? ''),
    addresses: parseIpAddr(s.get('addr') ?? '[]'),
    routes: parseIpRoute(s.get('route') ?? '[]'),
  };
  snap.tmpfs = parseTmpfs(s.get('tmpfs') ?? '');
  const mem = /^\d+$/.exec(s.get('mem')?.trim() ?? '');
  if (mem) snap.memAvailableKiB = Number(mem[0]);
  const criu = s.get('criu')?.trim();
  if (criu) {
    const [path = '', ...rest] = criu.split('\n');
    const versionText = rest.join('\n');
    snap.criu = { path, version: parseCriuVersion(versionText), versionText };
  }
  const check = s.get('criu-check');
  if (check !== undefined) {
    const m = /\nexit=(\d+)\s*$/.exec(`\n${check}`);
    snap.criuCheck = parseCriuCheck(check.replace(/\n?exit=\d+\s*$/, ''), m ? Number(m[1]) : 1);
  }
  if (opts.processes) snap.processes = parsePs(s.get('ps') ?? '');
  if (opts.sockets) snap.sockets = parseSs(s.get('ss') ?? '', { brief: opts.sockets === 'brief' });
  const stat = s.get('stat');
  if (opts.statPid !== undefined && stat) {
    const ids = parseProcStatIds(stat);
    if (ids) snap.stat = { pid: opts.statPid, ...ids };
  }
  const netns = s.get('netns');
  if (opts.statPid !== undefined && netns !== undefined) {
    const n = parseNetns(netns);
    if (n) snap.netns = n;
  }
  const shmem = s.get('shmem');
  if (opts.statPid !== undefined && shmem !== undefined) snap.sharedMemory = parseSharedMemory(shmem);
  return snap;
}

/** `PATH AVAIL_KIB` lines of the tmpfs mounts the probe found. */
function parseTmpfs(text: string): { path: string; availKiB: number }[] {
  const out: { path: string; availKiB: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\/\S+) (\d+)$/.exec(line.trim());
    if (m && m[1] && m[2]) out.push({ path: m[1], availKiB: Number(m[2]) });
  }
  return out;
}

function parseTools(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const line of text.split('\n')) {
    const [name, path] = line.trim().split(/\s+/);
    if (name) out[name] = path && path !== '-' ? path : null;
  }
  return out;
}
