import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MigrationRequest } from '../model/migration';
import type { HostSnapshot } from '../model/snapshot';
import { parseCriuVersion } from '../parse/criu';
import { parseSharedMemory } from '../parse/smaps';
import { parseSs } from '../parse/ss';
import { labFixture, labPlanInput, labSnapshot } from '../../test/support/lab-snapshots';
import { planSharedMemory } from './shared-memory';
import { buildPlan, LAZY_DEFAULT_MIN_KIB, managementAddresses, type PlanInput } from './build-plan';

const snapshot = labSnapshot;
const fx = labFixture;
const pfx = (name: string) => readFileSync(new URL(`../parse/fixtures/${name}`, import.meta.url), 'utf8');

const input = (over: Partial<MigrationRequest> = {}, edit?: (src: HostSnapshot, dst: HostSnapshot) => void): PlanInput => labPlanInput('m-test', over, edit);

function problems(i: PlanInput): string[] {
  const r = buildPlan(i);
  if (r.ok) throw new Error('expected a refusal');
  return r.problems.map((p) => `${p.code}@${p.host ?? ''}`);
}

describe('buildPlan on lab snapshots', () => {
  it("counts the tree's connections for the streamed destination's tmpfs (one per 4 MiB of memory: the demo's 4 are too few for its memory)", () => {
    const room = (src: HostSnapshot, dst: HostSnapshot) => {
      for (const h of [src, dst]) Object.assign(h, { tmpfs: [{ path: '/run', availKiB: 12_341_792 }], memAvailableKiB: 22_260_452 });
    };
    const plan = (i: PlanInput) => {
      const r = buildPlan(i);
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.plan;
    };
    const p = plan({ ...input({ mode: 'streamed' }, room), preferTmpfs: true });
    expect(p.sourceImageDir).toBe('/run/ferry/images/m-test-dump');
    expect(p.connections.length * 4 * 1024).toBeLessThan(p.rssKiB);
    expect(p.destinationImageDir).toBe('/var/lib/ferry/images/m-test-restore');
    // The same tree with a quarter of its memory per connection is enough: the destination's folder goes on /run.
    const small = plan({
      ...input({ mode: 'streamed' }, (src, dst) => {
        room(src, dst);
        for (const pr of src.processes ?? []) if (pr.pid === 4242) Object.assign(pr, { rssKiB: 8 * 1024 });
      }),
      preferTmpfs: true,
    });
    expect(small.destinationImageDir).toBe('/run/ferry/images/m-test-restore');
  });

  it('plans the demo workload: one process, four connections, the service address with its source route', () => {
    const r = buildPlan(input());
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const p = r.plan;
    expect(p.treePids).toEqual([4242]);
    expect(p.comm).toBe('node');
    expect(p.shellJob).toBe(false);
    expect(p.connections.filter((c) => c.state === 'ESTAB')).toHaveLength(4);
    expect(p.addresses).toEqual([
      { address: '198.18.0.100', prefixLen: 32, family: 'inet', sourceDevice: 'eth0', destinationDevice: 'eth0', routes: [{ dst: '198.18.0.1', dev: 'eth0' }] },
    ]);
    expect(p.sourceImageDir).toBe('/var/lib/ferry/images/m-test-dump');
    expect(p.destinationImageDir).toBe('/var/lib/ferry/images/m-test-restore');
    expect(p.criu).toEqual({ source: '/opt/ferry/bin/criu', destination: '/opt/ferry/bin/criu' });
    expect(p.transferMode).toBe('streamed');
    // The page stream: TLS, and only the source (198.18.0.2) admitted to the destination's port.
    expect(p.pageServer).toEqual({ address: '198.18.0.3', port: 27123, peer: '198.18.0.2', guardTable: 'ferry-ps-m-test', tls: true });
    expect(p.preLock).toEqual({ table: 'ferry-m-test', actionScript: '/var/lib/ferry/images/m-test-restore/unlock.sh' });
    expect(p.warnings).toEqual([]);
  });

  it('streams pages to the destination unless staged is asked for or no destination address is known', () => {
    const staged = buildPlan(input({ mode: 'staged' }));
    expect(staged.ok && staged.plan.transferMode).toBe('staged');
    const noAddr = input({}, (_s, d) => (d.sockets = []));
    noAddr.destinationHostName = 'lab-b.example';
    const r = buildPlan(noAddr);
    expect(r.ok && [r.plan.transferMode, r.plan.transferReason.startsWith('no address')]).toEqual(['staged', true]);
    const forced = { ...noAddr, request: { ...noAddr.request, mode: 'streamed' as const } };
    expect(problems(forced)).toEqual(['BAD_INPUT@']);
    const lazy = buildPlan(input({ mode: 'lazy' }));
    expect(lazy.ok && [lazy.plan.transferMode, lazy.plan.pageServer]).toEqual([
      'lazy',
      { address: '198.18.0.2', port: 27123, peer: '198.18.0.3', guardTable: 'ferry-ps-m-test', tls: true },
    ]);
    // Lazy mode's page guard and recovery run python3 on both hosts.
    const noPython = buildPlan(input({ mode: 'lazy' }, (_s, d) => (d.tools.python3 = null)));
    expect(noPython.ok).toBe(false);
    expect(!noPython.ok && noPython.problems[0]).toMatchObject({ code: 'TOOL_MISSING', host: 'lab-b', message: expect.stringMatching(/python3 on lab-b/) });
    expect(buildPlan(input({ mode: 'streamed' }, (_s, d) => (d.tools.python3 = null))).ok).toBe(true);
  });

  it('finds the management address from the SSH sessions and the inventory', () => {
    expect(managementAddresses(snapshot('a'), 'lab-a.example', 22)).toEqual(['198.18.0.2']);
    expect(managementAddresses(snapshot('a'), '198.18.0.2', 2222)).toEqual(['198.18.0.2']);
  });

  it('refuses to move the management address', () => {
    expect(problems(input({ addresses: ['198.18.0.2'] }))).toEqual(['ADDRESS_IS_MANAGEMENT@lab-a']);
  });

  it('says where to read how to make a service movable when it uses the management address', () => {
    const r = buildPlan(input({ addresses: ['198.18.0.2'] }));
    expect(!r.ok && r.problems[0]?.hint).toMatch(/docs\/movable-services\.md/);
  });

  it('refuses a tree with a process in a network namespace of its own (CRIU could not recreate its links)', () => {
    const i = input({}, (s) => (s.netns = { host: 'net:[1]', byPid: { 4242: 'net:[1]' } }));
    expect(buildPlan(i).ok).toBe(true);
    const own = input({}, (s) => (s.netns = { host: 'net:[1]', byPid: { 4242: 'net:[2]' } }));
    const r = buildPlan(own);
    expect(!r.ok && r.problems).toEqual([
      expect.objectContaining({
        code: 'NOT_MOVABLE',
        host: 'lab-a',
        message: expect.stringMatching(/4242 of the tree runs in a network namespace of its own \(net:\[2\]/),
        hint: expect.stringMatching(/movable-services/),
      }),
    ]);
  });

  it('refuses an address the source does not have, and garbage', () => {
    expect(problems(input({ addresses: ['198.18.0.55'] }))).toEqual(['ADDRESS_NOT_LOCAL@lab-a']);
    expect(problems(input({ addresses: ['198.18.0.100; reboot'] }))).toEqual(['BAD_INPUT@']);
  });

  it('refuses an address already on the destination', () => {
    const i = input({}, (_s, d) => d.addresses.push({ ifname: 'eth0', family: 'inet', address: '198.18.0.100', prefixLen: 32, scope: 'global' }));
    expect(problems(i)).toEqual(['ADDRESS_CONFLICT@lab-b']);
  });

  it('refuses to move an address that a process outside the tree also uses, unless allowed', () => {
    const other = (src: HostSnapshot) => {
      const mine = src.sockets!.find((x) => x.owners.some((o) => o.pid === 4242) && x.state === 'ESTAB')!;
      src.sockets!.push({ ...mine, local: { ...mine.local, port: 41999 }, owners: [{ pid: 5151, comm: 'redis-cli', fd: 3 }] });
    };
    const r = buildPlan(input({}, other));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems.map((p) => `${p.code}@${p.host}`)).toEqual(['ADDRESS_CONFLICT@lab-a']);
      expect(r.problems[0]!.message).toContain('198.18.0.100 is also used by 1 socket(s) of process(es) outside the tree: 5151 (redis-cli)');
      expect(r.problems[0]!.hint).toContain('--allow-shared-address');
    }
    const allowed = buildPlan(input({ allowSharedAddress: true }, other));
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.plan.warnings.join('\n')).toMatch(/5151 \(redis-cli\).*break when it moves/);
    // Sockets of the tree itself, and TIME-WAIT leftovers without an owner, are no reason to refuse.
    expect(
      buildPlan(
        input({}, (src) => {
          const mine = src.sockets!.find((x) => x.owners.some((o) => o.pid === 4242))!;
          src.sockets!.push({ ...mine, state: 'TIME-WAIT', owners: [] });
        }),
      ).ok,
    ).toBe(true);
  });

  it("clears the destination's leftover sockets that hold a connection's four-tuple, and refuses a live owner", () => {
    // lab-b after a 1,000-connection workload there was killed and the address moved away: orphans in
    // FIN-WAIT-1 (their FIN never acknowledged) and FIN-WAIT-2. The new workload on lab-a drew two of their ports.
    const orphans = parseSs(fx('lab-b-ss-orphans.txt'));
    const reuse = (src: HostSnapshot, dst: HostSnapshot) => {
      const mine = (src.sockets ?? []).filter((s) => s.owners.some((o) => o.pid === 4242));
      mine[0]!.local.port = 34118;
      mine[1]!.local.port = 40476;
      dst.sockets = [...(dst.sockets ?? []), ...orphans];
    };
    const r = buildPlan(input({}, reuse));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.staleOnDestination?.map((s) => `${s.state} ${s.local.port}`)).toEqual(['FIN-WAIT-1 34118', 'FIN-WAIT-2 40476']);
    expect(r.plan.warnings.join('\n')).toMatch(/lab-b still holds 2 leftover socket\(s\).*1 FIN-WAIT-1, 1 FIN-WAIT-2/);
    expect(buildPlan(input()).ok && (buildPlan(input()) as { plan: { staleOnDestination?: unknown } }).plan.staleOnDestination).toBeUndefined();

    const owned = input({}, (src, dst) => {
      reuse(src, dst);
      const o = dst.sockets?.find((s) => s.local.port === 34118);
      o!.owners = [{ comm: 'squatter', pid: 777, fd: 5 }];
      o!.state = 'ESTAB';
    });
    expect(problems(owned)).toEqual(['ADDRESS_CONFLICT@lab-b']);
    const r2 = buildPlan(owned);
    expect(!r2.ok && r2.problems[0]?.message).toMatch(/also exist on lab-b, owned by 777 \(squatter\): 198\.18\.0\.100:34118>198\.18\.0\.1:7000/);
  });

  it('plans the shared memory of a process CRIU restored (zero Rss, memfd blocks) the same way: direct, 3 MiB', () => {
    const restored = parseSharedMemory(pfx('smaps-shared-restored.txt'));
    const lazy = buildPlan(
      input({ mode: 'lazy' }, (src: HostSnapshot) => {
        src.sharedMemory = restored;
      }),
    );
    if (!lazy.ok) throw new Error(JSON.stringify(lazy.problems));
    expect(lazy.plan.sharedMemory).toMatchObject({ kib: 3072, objects: 2, lazy: false, path: 'direct' });
    expect(lazy.plan.directStream).toMatchObject({ address: '198.18.0.3', peer: '198.18.0.2' });
    expect(lazy.plan.warnings.join('\n')).toMatch(/3\.0 MiB of shared anonymous memory \(2 object\(s\): \/memfd:\/dev\/zero \(deleted\)\)/);
  });

  it('states the shared memory that cannot be lazy, its cost and its path: direct, guarded, from the source address', () => {
    const shm = parseSharedMemory(pfx('smaps-shared.txt'));
    const withShm = () => (src: HostSnapshot) => {
      src.sharedMemory = shm;
    };
    const lazy = buildPlan(input({ mode: 'lazy' }, withShm()));
    if (!lazy.ok) throw new Error(JSON.stringify(lazy.problems));
    expect(lazy.plan.sharedMemory).toMatchObject({ kib: 3072, objects: 2, lazy: false, path: 'direct' });
    // The sender binds to the source's address the destination's guard admits (where the source's CRIU listens).
    expect(lazy.plan.directStream).toEqual({ address: '198.18.0.3', port: 27124, token: 'plan-only', peer: '198.18.0.2' });
    expect(lazy.plan.pageServer).toMatchObject({ address: '198.18.0.2', peer: '198.18.0.3', guardTable: 'ferry-ps-m-test', tls: true });
    expect(lazy.plan.warnings.join('\n')).toMatch(
      /3\.0 MiB of shared anonymous memory \(2 object\(s\): \/dev\/zero \(deleted\)\): it cannot be lazy .* the freeze grows by the time the link needs to copy 3\.0 MiB, sent straight from the source to 198\.18\.0\.3:27124/,
    );

    // Without a destination address the source could reach, it goes through the controller.
    const noAddress = planSharedMemory({
      mode: 'lazy',
      source: { ...snapshot('a'), sharedMemory: shm },
      destination: snapshot('b'),
      destinationAddress: undefined,
      sourceAddresses: ['198.18.0.2'],
      port: 1,
      token: 't',
    });
    expect(noAddress.sharedMemory?.path).toBe('controller');
    expect(noAddress.directStream).toBeUndefined();
    expect(noAddress.warnings.join('\n')).toMatch(/through the controller: no address of the destination is known .* --mode streamed/);
    // No source address in the destination's family: no peer, so no guard for it (the plan warns).
    expect(
      planSharedMemory({
        mode: 'lazy',
        source: { ...snapshot('a'), sharedMemory: shm },
        destination: snapshot('b'),
        destinationAddress: '2001:db8::3',
        sourceAddresses: ['198.18.0.2'],
        port: 1,
        token: 't',
      }).directStream,
    ).toEqual({ address: '2001:db8::3', port: 1, token: 't' });

    const streamed = buildPlan(input({ mode: 'streamed' }, withShm()));
    if (!streamed.ok) throw new Error('refused');
    expect(streamed.plan.sharedMemory?.path).toBe('page-server');
    expect(streamed.plan.directStream).toBeUndefined();
    expect(streamed.plan.warnings).toEqual([]);

    const none = buildPlan(input({ mode: 'lazy' }));
    expect(none.ok && none.plan.sharedMemory).toBeUndefined();
  });

  it('chooses lazy by default from 256 MiB of private memory when both hosts can run the page guard, and says why', () => {
    const withRss = (kib: number) => (src: HostSnapshot) => {
      const p = src.processes!.find((x) => x.pid === 4242)!;
      p.rssKiB = kib;
    };
    const small = buildPlan(input());
    if (!small.ok) throw new Error(JSON.stringify(small.problems));
    expect(small.plan.transferMode).toBe('streamed');
    expect(small.plan.transferReason).toMatch(/^fastest safe mode \(\d+ MiB of private memory: below 256 MiB a streamed freeze is as short as a lazy one\)/);

    const big = buildPlan(input({}, withRss(LAZY_DEFAULT_MIN_KIB)));
    if (!big.ok) throw new Error(JSON.stringify(big.problems));
    expect(big.plan.transferMode).toBe('lazy');
    expect(big.plan.pageServer).toMatchObject({ address: '198.18.0.2', peer: '198.18.0.3', tls: true });
    expect(big.plan.transferReason).toMatch(
      /^fastest safe mode for 256 MiB of private memory .*depends on the source until the last page has arrived \(a broken page transfer is recovered/,
    );

    // Asked for streamed, it stays streamed; without python3 on a host the default stays streamed and says why.
    const asked = buildPlan(input({ mode: 'streamed' }, withRss(1024 * 1024)));
    expect(asked.ok && asked.plan.transferMode).toBe('streamed');
    const noPython = buildPlan(
      input({}, (s, d) => {
        withRss(1024 * 1024)(s);
        d.tools.python3 = null;
      }),
    );
    if (!noPython.ok) throw new Error(JSON.stringify(noPython.problems));
    expect([noPython.plan.transferMode, noPython.plan.transferReason]).toEqual([
      'streamed',
      expect.stringContaining('lazy mode would need python3 on both hosts'),
    ]);

    // Mostly shared memory (never lazy): streamed.
    const shared = buildPlan(
      input({}, (s) => {
        withRss(900 * 1024)(s);
        s.sharedMemory = [{ id: '00:01:42', name: '/dev/zero (deleted)', sizeKiB: 500 * 1024, rssKiB: 500 * 1024, pids: [4242] }];
      }),
    );
    if (!shared.ok) throw new Error(JSON.stringify(shared.problems));
    expect([shared.plan.transferMode, shared.plan.transferReason]).toEqual(['streamed', expect.stringContaining('most of its memory is shared')]);
  });

  it('refuses when a PID of the tree is taken on the destination', () => {
    const i = input({}, (_s, d) => d.processes?.push({ pid: 4242, ppid: 1, user: 'root', comm: 'sleep', args: 'sleep 9', rssKiB: 1 }));
    const r = buildPlan(i);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatchObject({ code: 'PID_TAKEN', host: 'lab-b', message: expect.stringContaining('4242 (sleep)') });
  });

  it('refuses a missing process, and PID 1', () => {
    expect(problems(input({ pid: 999_999 }))).toEqual(['NO_SUCH_PROCESS@lab-a']);
    expect(problems(input({ pid: 1 }))).toContain('BAD_INPUT@lab-a');
  });

  it('collects every host problem: too old a CRIU, no root, a missing tool', () => {
    const i = input({}, (s, d) => {
      s.criu = { path: '/usr/sbin/criu', version: parseCriuVersion('Version: 3.17.1'), versionText: 'Version: 3.17.1' };
      d.uid = 1000;
      d.tools.nft = null;
    });
    expect(problems(i)).toEqual(['CRIU_TOO_OLD@lab-a', 'NO_PRIVILEGES@lab-b', 'TOOL_MISSING@lab-b']);
  });

  it('dumps a process whose session leader is outside its tree as a shell job', () => {
    const i = input({}, (s) => {
      s.stat = { pid: 4242, ppid: 1, pgrp: 4242, session: 17 };
    });
    const r = buildPlan(i);
    if (!r.ok) throw new Error('refused');
    expect(r.plan.shellJob).toBe(true);
    expect(r.plan.warnings[0]).toContain('session 17');
  });

  it('allows a process without connections, saying so', () => {
    const r = buildPlan(
      input({}, (s) => {
        s.sockets = s.sockets!.filter((x) => !x.owners.some((o) => o.pid === 4242));
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.addresses).toEqual([]);
    expect(r.plan.warnings).toEqual(['process 4242 (node) has no TCP connections: it migrates without any']);
  });
});

describe('buildPlan with address hooks declared per host', () => {
  const HOOK = '/usr/local/lib/ferry/address-hook';
  const hosts = (src?: string, dst?: string) => ({
    source: { name: 'lab-a', ...(src ? { addressHook: { hook: { path: src } } } : {}) },
    destination: { name: 'lab-b', ...(dst ? { addressHook: { hook: { path: dst } } } : {}) },
  });

  it('plans the hook both hosts declare when the request has none, and says so', () => {
    const r = buildPlan({ ...input(), hostHooks: hosts(HOOK, HOOK) });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.plan.addressHook).toMatchObject({ path: HOOK, addresses: ['198.18.0.100'], budgetMs: { move: 2000 } });
    expect(r.plan.warnings).toEqual([`address hook ${HOOK} from the inventory (both hosts declare it)`]);
  });

  it("lets the request's hook win, and plans none when no one declares one", () => {
    const r = buildPlan({ ...input({ addressHook: { path: '/opt/hook' } }), hostHooks: hosts(HOOK, '/other') });
    expect(r.ok && r.plan.addressHook?.path).toBe('/opt/hook');
    const none = buildPlan({ ...input(), hostHooks: hosts() });
    expect(none.ok && none.plan.addressHook).toBeUndefined();
  });

  it('refuses hosts that disagree before anything runs', () => {
    const messages = (i: PlanInput) => {
      const r = buildPlan(i);
      return r.ok ? [] : r.problems.map((p) => p.message);
    };
    expect(messages({ ...input(), hostHooks: hosts(HOOK, '/other') })).toEqual([expect.stringMatching(/declare different address hooks/)]);
    expect(messages({ ...input(), hostHooks: hosts(undefined, HOOK) })).toEqual([expect.stringMatching(/lab-b declares an address hook .* lab-a does not/)]);
  });
});
