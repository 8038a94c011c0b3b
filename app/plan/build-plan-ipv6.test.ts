import { describe, expect, it } from 'vitest';
import type { MigrationRequest } from '../model/migration';
import type { HostSnapshot } from '../model/snapshot';
import { DUAL_STACK_CAPTURE, labPlanInput, labSnapshot } from '../../test/support/lab-snapshots';
import { buildPlan, type PlanInput } from './build-plan';

// Captured from the dual-stack lab: a demo workload (pid 4343) on lab-a with two connections from 198.18.0.100 to
// the witness on 198.18.0.1 and two from 2001:2::100 to 2001:2::1 (both service addresses with source routes).
const snapshot = (host: 'a' | 'b'): HostSnapshot => labSnapshot(host, DUAL_STACK_CAPTURE);
const input = (over: Partial<MigrationRequest> = {}, edit?: (src: HostSnapshot, dst: HostSnapshot) => void): PlanInput =>
  labPlanInput('m-v6', over, edit, DUAL_STACK_CAPTURE);

const V4_MOVE = {
  address: '198.18.0.100',
  prefixLen: 32,
  family: 'inet',
  sourceDevice: 'eth0',
  destinationDevice: 'eth0',
  routes: [{ dst: '198.18.0.1', dev: 'eth0' }],
};
const V6_MOVE = {
  address: '2001:2::100',
  prefixLen: 128,
  family: 'inet6',
  sourceDevice: 'eth0',
  destinationDevice: 'eth0',
  routes: [{ dst: '2001:2::1', dev: 'eth0' }],
};

describe('buildPlan: a dual-stack process', () => {
  it('moves both service addresses, each with its source route, and keeps all four connections', () => {
    const r = buildPlan(input());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.addresses).toEqual([V4_MOVE, V6_MOVE]);
    expect(r.plan.connections.filter((c) => c.state === 'ESTAB').map((c) => c.local.address)).toEqual([
      '198.18.0.100',
      '198.18.0.100',
      '2001:2::100',
      '2001:2::100',
    ]);
    expect(r.plan.warnings).toEqual([]);
  });

  it('takes IPv6 addresses given with --ip, in any spelling, canonicalized', () => {
    const r = buildPlan(input({ addresses: ['198.18.0.100', '2001:2:0:0:0:0:0:100'] }));
    expect(r.ok && r.plan.addresses.map((a) => a.address)).toEqual(['198.18.0.100', '2001:2::100']);
    const twice = buildPlan(input({ addresses: ['2001:2::100', '2001:0002::0100'] }));
    expect(!twice.ok && twice.problems.map((p) => p.code)).toEqual(['BAD_INPUT']);
  });

  it('warns that connections from an address left behind will fail', () => {
    const r = buildPlan(input({ addresses: ['198.18.0.100'] }));
    expect(r.ok && r.plan.warnings).toEqual([expect.stringMatching(/^2 connection\(s\) use local addresses that do not move .*\[2001:2::100\]/)]);
  });

  it('refuses an IPv6 address already on the destination', () => {
    const r = buildPlan(input({}, (_s, d) => d.addresses.push({ ifname: 'eth0', family: 'inet6', address: '2001:2::100', prefixLen: 128, scope: 'global' })));
    expect(!r.ok && r.problems.map((p) => `${p.code}@${p.host}`)).toEqual(['ADDRESS_CONFLICT@lab-b']);
  });

  it('finds the destination interface on the IPv6 subnet when the device name differs', () => {
    const r = buildPlan(
      input({}, (_s, d) => {
        for (const a of d.addresses) if (a.ifname === 'eth0') a.ifname = 'ens3';
      }),
    );
    expect(r.ok && r.plan.addresses.map((a) => a.destinationDevice)).toEqual(['ens3', 'ens3']);
  });

  it('needs python3 on both hosts to announce an IPv6 address (neighbour advertisement)', () => {
    const r = buildPlan(input({ mode: 'streamed' }, (s) => (s.tools.python3 = null)));
    expect(!r.ok && r.problems).toEqual([
      expect.objectContaining({ code: 'TOOL_MISSING', host: 'lab-a', message: expect.stringMatching(/IPv6 address needs python3/) }),
    ]);
    // An IPv4-only move needs none.
    expect(buildPlan(input({ addresses: ['198.18.0.100'] }, (s, d) => (s.tools.python3 = d.tools.python3 = null))).ok).toBe(true);
  });

  it('refuses a link-local address: it cannot leave its link', () => {
    const src = snapshot('a');
    const ll = src.addresses.find((a) => a.address.startsWith('fe80:'));
    expect(ll).toBeDefined();
    const r = buildPlan(input({ addresses: [ll?.address ?? ''] }));
    expect(!r.ok && r.problems).toEqual([expect.objectContaining({ code: 'ADDRESS_MOVE_FAILED', message: expect.stringMatching(/link-local/) })]);
  });
});
