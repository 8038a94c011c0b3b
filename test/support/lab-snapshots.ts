// Host snapshots of the lab with the demo workload (pid 4242) on lab-a, built from output captured on the real
// hosts (app/plan/fixtures: ss -tainpHO, ip -j addr/route, ps, /proc/4242/stat; app/parse/fixtures: criu).
import { readFileSync } from 'node:fs';
import type { HostSnapshot } from '../../app/model/snapshot';
import { parseCriuCheck, parseCriuVersion } from '../../app/parse/criu';
import { parseIpAddr, parseIpRoute } from '../../app/parse/ip';
import { parseProcStatIds, parsePs } from '../../app/parse/ps';
import { parseSs } from '../../app/parse/ss';

/** A captured lab output (app/plan/fixtures). */
export const labFixture = (name: string): string => readFileSync(new URL(`../../app/plan/fixtures/${name}`, import.meta.url), 'utf8');
const parseFixture = (name: string) => readFileSync(new URL(`../../app/parse/fixtures/${name}`, import.meta.url), 'utf8');

/** The tools a lab host has, where the probe found them. */
export const LAB_TOOLS = {
  ip: '/usr/sbin/ip',
  ss: '/usr/bin/ss',
  nft: '/usr/sbin/nft',
  arping: '/usr/bin/arping',
  tar: '/usr/bin/tar',
  ps: '/usr/bin/ps',
  python3: '/usr/bin/python3',
  socat: '/usr/bin/socat',
  perl: '/usr/bin/perl',
};

/** lab-a's or lab-b's snapshot as the probe reads it (lab-a with the demo's /proc stat). */
export function labSnapshot(host: 'a' | 'b'): HostSnapshot {
  const stat = host === 'a' ? parseProcStatIds(labFixture('lab-a-stat-4242.txt')) : null;
  return {
    host: `lab-${host}`,
    takenAt: 0,
    uid: 0,
    kernel: '6.18.44-fc-v782',
    criu: { path: '/opt/ferry/bin/criu', version: parseCriuVersion(parseFixture('criu-version.txt')), versionText: parseFixture('criu-version.txt') },
    criuCheck: parseCriuCheck(parseFixture('criu-check.txt'), 0),
    tools: { ...LAB_TOOLS },
    addresses: parseIpAddr(labFixture(`lab-${host}-addr.json`)),
    routes: parseIpRoute(labFixture(`lab-${host}-route.json`)),
    processes: parsePs(labFixture(`lab-${host}-ps.txt`)),
    sockets: parseSs(labFixture(`lab-${host}-ss.txt`)),
    ...(stat ? { stat: { pid: 4242, ...stat } } : {}),
  };
}
