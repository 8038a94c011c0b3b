// Creates and removes the lab's network: namespaces, a bridge in ferry-sw, one veth per host, addresses (IPv4 and
// IPv6: the IPv6 benchmarking range, inside the namespaces only; nothing routes or advertises it elsewhere).
import { existsSync, readdirSync } from 'node:fs';
import { mustRunLocal, runLocal } from '../util/local-exec';
import { LAB_HOSTS, LAB_NETNS, LAB_PREFIX_LEN, LAB_PREFIX_LEN6, SERVICE_ADDRESS, SERVICE_ADDRESS6, SWITCH_NETNS, type LabHostDef } from './lab-config';

const NETNS_DIR = '/run/netns';

/** argv prefix that runs a command inside a lab network namespace (network only, as DEVELOPERS.md asks). */
export function inNetns(netns: string): string[] {
  return ['nsenter', `--net=${NETNS_DIR}/${netns}`, '--'];
}

/** Lab namespaces that currently exist. */
export function existingLabNetns(): string[] {
  if (!existsSync(NETNS_DIR)) return [];
  const present = new Set(readdirSync(NETNS_DIR));
  return LAB_NETNS.filter((n) => present.has(n));
}

/** Kills every process still inside a lab namespace, then deletes the namespaces. */
export async function destroyLabNetwork(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of existingLabNetns()) {
    const pids = await runLocal(['ip', 'netns', 'pids', ns]);
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  for (const ns of existingLabNetns()) {
    await mustRunLocal(['ip', 'netns', 'del', ns], { code: 'LAB' });
    removed.push(ns);
  }
  return removed;
}

/** A lab host's IPv6 settings, set on eth0 before it comes up (so its link-local address skips DAD too). */
const IPV6_HOST_SYSCTLS = ['all', 'default', 'eth0'].flatMap((d) => [
  `net.ipv6.conf.${d}.accept_dad=0`,
  `net.ipv6.conf.${d}.dad_transmits=0`,
  `net.ipv6.conf.${d}.accept_ra=0`,
  `net.ipv6.conf.${d}.forwarding=0`,
]);

/** Creates the switch, the hosts' namespaces and their links; puts the service address on `holder`. */
export async function createLabNetwork(holder: LabHostDef): Promise<void> {
  for (const ns of LAB_NETNS) await mustRunLocal(['ip', 'netns', 'add', ns], { code: 'LAB' });
  const sw = inNetns(SWITCH_NETNS);
  // The switch only bridges frames: no IPv6 of its own (no link-local chatter), no multicast snooping (neighbour
  // discovery's multicast reaches every port).
  await mustRunLocal([...sw, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], { code: 'LAB' });
  await mustRunLocal([...sw, 'ip', 'link', 'set', 'lo', 'up'], { code: 'LAB' });
  await mustRunLocal([...sw, 'ip', 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0'], { code: 'LAB' });
  await mustRunLocal([...sw, 'ip', 'link', 'set', 'br0', 'up'], { code: 'LAB' });
  for (const host of LAB_HOSTS) {
    const port = `p-${host.name}`.slice(0, 15);
    const h = inNetns(host.netns);
    await mustRunLocal([...sw, 'ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', `${NETNS_DIR}/${host.netns}`], { code: 'LAB' });
    await mustRunLocal([...sw, 'ip', 'link', 'set', port, 'master', 'br0', 'up'], { code: 'LAB' });
    // IPv6 usable at once (no duplicate address detection: nothing else is on this segment), no router
    // advertisements accepted, no forwarding: the hosts are ends, like the IPv4 side.
    await mustRunLocal([...h, 'sysctl', '-q', '-w', ...IPV6_HOST_SYSCTLS], { code: 'LAB' });
    await mustRunLocal([...h, 'ip', 'link', 'set', 'lo', 'up'], { code: 'LAB' });
    await mustRunLocal([...h, 'ip', 'link', 'set', 'eth0', 'up'], { code: 'LAB' });
    await mustRunLocal([...h, 'ip', 'addr', 'add', `${host.address}/${LAB_PREFIX_LEN}`, 'dev', 'eth0'], { code: 'LAB' });
    await mustRunLocal([...h, 'ip', 'addr', 'add', `${host.address6}/${LAB_PREFIX_LEN6}`, 'dev', 'eth0', 'nodad'], { code: 'LAB' });
  }
  await addServiceAddress(holder);
  await addServiceAddress6(holder);
}

/**
 * Puts the service address on a host with a route to the peer that prefers it as source,
 * so unmodified clients on that host connect from the service address.
 */
export async function addServiceAddress(host: LabHostDef): Promise<void> {
  const h = inNetns(host.netns);
  const peer = LAB_HOSTS.find((x) => x.name === 'peer');
  await mustRunLocal([...h, 'ip', 'addr', 'add', `${SERVICE_ADDRESS}/32`, 'dev', 'eth0'], { code: 'LAB' });
  if (peer) {
    await mustRunLocal([...h, 'ip', 'route', 'replace', `${peer.address}/32`, 'dev', 'eth0', 'src', SERVICE_ADDRESS], { code: 'LAB' });
  }
}

/** The same for the IPv6 service address (no DAD: usable at once). */
export async function addServiceAddress6(host: LabHostDef): Promise<void> {
  const h = inNetns(host.netns);
  const peer = LAB_HOSTS.find((x) => x.name === 'peer');
  await mustRunLocal([...h, 'ip', 'addr', 'add', `${SERVICE_ADDRESS6}/128`, 'dev', 'eth0', 'nodad'], { code: 'LAB' });
  if (peer) {
    await mustRunLocal([...h, 'ip', '-6', 'route', 'replace', `${peer.address6}/128`, 'dev', 'eth0', 'src', SERVICE_ADDRESS6], { code: 'LAB' });
  }
}

/** The lab host that currently holds `address` on eth0, if any. */
export async function holderOf(address: string): Promise<LabHostDef | undefined> {
  for (const host of LAB_HOSTS) {
    if (!existsSync(`${NETNS_DIR}/${host.netns}`)) continue;
    const r = await runLocal([...inNetns(host.netns), 'ip', '-o', 'addr', 'show', 'dev', 'eth0']);
    if (r.code === 0 && r.stdout.includes(` ${address}/`)) return host;
  }
  return undefined;
}
