// Host snapshots of the lab with the demo workload (pid 4242) on lab-a, built from output captured on the real
// hosts (app/plan/fixtures: ss -tainpHO, ip -j addr/route, ps, /proc/4242/stat; app/parse/fixtures: criu).
import { readFileSync } from 'node:fs';
import type { MigrationRequest } from '../../app/model/migration';
import type { HostSnapshot } from '../../app/model/snapshot';
import { parseCriuCheck, parseCriuVersion } from '../../app/parse/criu';
import { parseIpAddr, parseIpRoute } from '../../app/parse/ip';
import { parseProcStatIds, parsePs } from '../../app/parse/ps';
import { parseSs } from '../../app/parse/ss';
import type { PlanInput } from '../../app/plan/build-plan';

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

/** A set of captured lab outputs: the file tag (`lab-a${tag}-addr.json`, …) and the demo workload's PID on lab-a. */
export interface LabCapture {
  tag: string;
  pid: number;
}

/** The IPv4 lab with the demo workload (pid 4242). */
export const DEMO_CAPTURE: LabCapture = { tag: '', pid: 4242 };
/** The dual-stack lab: the demo (pid 4343) with two connections over IPv4 and two over IPv6 (app/plan/fixtures/*-ds-*). */
export const DUAL_STACK_CAPTURE: LabCapture = { tag: '-ds', pid: 4343 };

/** lab-a's or lab-b's snapshot as the probe reads it (lab-a with the demo's /proc stat). */
export function labSnapshot(host: 'a' | 'b', capture: LabCapture = DEMO_CAPTURE): HostSnapshot {
  const { tag, pid } = capture;
  const stat = host === 'a' ? parseProcStatIds(labFixture(`lab-a${tag}-stat-${pid}.txt`)) : null;
  return {
    host: `lab-${host}`,
    takenAt: 0,
    uid: 0,
    kernel: '6.18.44-fc-v782',
    criu: { path: '/opt/ferry/bin/criu', version: parseCriuVersion(parseFixture('criu-version.txt')), versionText: parseFixture('criu-version.txt') },
    criuCheck: parseCriuCheck(parseFixture('criu-check.txt'), 0),
    tools: { ...LAB_TOOLS },
    addresses: parseIpAddr(labFixture(`lab-${host}${tag}-addr.json`)),
    routes: parseIpRoute(labFixture(`lab-${host}${tag}-route.json`)),
    processes: parsePs(labFixture(`lab-${host}${tag}-ps.txt`)),
    sockets: parseSs(labFixture(`lab-${host}${tag}-ss.txt`)),
    ...(stat ? { stat: { pid, ...stat } } : {}),
  };
}

/** buildPlan's input for a migration of the captured demo lab-a → lab-b; `edit` changes the snapshots first. */
export function labPlanInput(
  id: string,
  over: Partial<MigrationRequest> = {},
  edit?: (src: HostSnapshot, dst: HostSnapshot) => void,
  capture: LabCapture = DEMO_CAPTURE,
): PlanInput {
  const source = labSnapshot('a', capture);
  const destination = labSnapshot('b', capture);
  edit?.(source, destination);
  return {
    id,
    source,
    destination,
    request: { from: 'lab-a', to: 'lab-b', pid: capture.pid, addresses: [], budgetMs: 60_000, keepImages: false, ...over },
    sourceHostName: '198.18.0.2',
    destinationHostName: '198.18.0.3',
    sourceSshPort: 22,
    destinationSshPort: 22,
    imageBase: '/var/lib/ferry/images',
    pageServerPort: 27123,
  };
}
