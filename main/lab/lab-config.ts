// Names, addresses and paths of the local lab (network-namespace hosts on 198.18.0.0/24 and 2001:2::/64).
import path from 'node:path';
import { FerryError } from '../../app/errors';

/** A lab host: its network namespace, address and the alias used in the inventory. */
export interface LabHostDef {
  /** Short name used by `ferry lab exec` (`lab-a`, `lab-b`, `peer`). */
  name: string;
  netns: string;
  address: string;
  /** The host's IPv6 address (the lab is dual-stack, inside its namespaces only). */
  address6: string;
  hostname: string;
  /** Listed in the lab inventory (migration targets). */
  inInventory: boolean;
}

export const LAB_SUBNET = '198.18.0.0/24';
export const LAB_PREFIX_LEN = 24;
/** IPv6: a /64 of the benchmarking range 2001:2::/48 (RFC 5180), never routed outside the lab's namespaces. */
export const LAB_SUBNET6 = '2001:2::/64';
export const LAB_PREFIX_LEN6 = 64;
/**
 * The lab's name: the prefix of its namespaces and its folder. Several labs (FERRY_LAB=ferry2, ...) can run side by
 * side on one machine: each is its own set of namespaces, so they may reuse the same addresses.
 */
export const LAB_NAME = labName();

function labName(): string {
  const n = process.env.FERRY_LAB ?? 'ferry';
  if (!/^[a-z][a-z0-9]{0,7}$/.test(n)) {
    throw new FerryError({ code: 'BAD_INPUT', message: `FERRY_LAB must be 1-8 lowercase letters/digits, starting with a letter, got ${JSON.stringify(n)}` });
  }
  return n;
}

export const SWITCH_NETNS = `${LAB_NAME}-sw`;
export const SERVICE_ADDRESS = '198.18.0.100';
/** The service's IPv6 address: on lab-a beside SERVICE_ADDRESS, with a route to the peer that prefers it. */
export const SERVICE_ADDRESS6 = '2001:2::100';
export const WITNESS_PORT = 7000;

export const LAB_HOSTS: readonly LabHostDef[] = [
  { name: 'peer', netns: `${LAB_NAME}-peer`, address: '198.18.0.1', address6: '2001:2::1', hostname: `${LAB_NAME}-peer`, inInventory: false },
  { name: 'lab-a', netns: `${LAB_NAME}-a`, address: '198.18.0.2', address6: '2001:2::2', hostname: `${LAB_NAME}-a`, inInventory: true },
  { name: 'lab-b', netns: `${LAB_NAME}-b`, address: '198.18.0.3', address6: '2001:2::3', hostname: `${LAB_NAME}-b`, inInventory: true },
];

/** Every namespace the lab creates. */
export const LAB_NETNS: readonly string[] = [SWITCH_NETNS, ...LAB_HOSTS.map((h) => h.netns)];

/** Where the lab keeps its keys, configs, logs and state. */
export function labDir(): string {
  // Not under /run: lab hosts mount a tmpfs of their own on /run (as real machines have), which would hide it.
  return process.env.FERRY_LAB_DIR ?? `/var/lib/ferry/labs/${LAB_NAME}`;
}

/** Paths inside the lab directory. */
export function labPaths(dir = labDir()) {
  return {
    dir,
    state: path.join(dir, 'state.json'),
    clientKey: path.join(dir, 'id_ed25519'),
    authorizedKeys: path.join(dir, 'authorized_keys'),
    knownHosts: path.join(dir, 'known_hosts'),
    inventory: path.join(dir, 'ssh_config'),
    witnessState: path.join(dir, 'witness.json'),
    logs: path.join(dir, 'logs'),
    hostDir: (name: string) => path.join(dir, 'hosts', name),
  };
}

/** Finds a lab host by its short name (also accepts the netns name). */
export function findLabHost(name: string): LabHostDef | undefined {
  return LAB_HOSTS.find((h) => h.name === name || h.netns === name || (name === 'lab-peer' && h.name === 'peer'));
}
