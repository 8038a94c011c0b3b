// Bad input gets a clear error and changes nothing: the process keeps running on the source, no address moves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep, type CliResult } from './cli';
import { hostProcesses, labDown, labExec, labStatus, labUp } from './lab-fixture';

const LAB = process.env.FERRY_LAB ?? 'ferry';
const LAB_DIR = `/var/lib/ferry/labs/${LAB}`;
const NOPRIV_USER = 'ferrynopriv';

describe('bad input is refused and changes nothing', () => {
  let demoPid: number;
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const s = await labUp(2);
    demoPid = s.demo!.pid;
    tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-bad-'));
    // Extra inventory: a host nobody answers for, and lab-a reached as a user without privileges.
    const inv = path.join(tmp, 'inventory');
    const common = [`  IdentityFile ${LAB_DIR}/id_ed25519`, `  UserKnownHostsFile ${LAB_DIR}/known_hosts`, '  Port 22'];
    writeFileSync(
      inv,
      [
        'Host lab-gone',
        '  HostName 198.18.0.99',
        '  User root',
        ...common,
        `  ProxyCommand nsenter --net=/run/netns/${LAB}-a nc -w 3 %h %p`,
        '',
        'Host lab-a-user',
        '  HostName 198.18.0.2',
        `  User ${NOPRIV_USER}`,
        ...common,
        `  ProxyCommand nsenter --net=/run/netns/${LAB}-a nc %h %p`,
        '',
        // lab-a under a second name (same HostName, port and route as the lab's own entry).
        'Host lab-a-again',
        '  HostName 198.18.0.2',
        '  User root',
        ...common,
        `  ProxyCommand nsenter --net=/run/netns/${LAB}-a nc %h %p`,
        '',
      ].join('\n'),
    );
    env = { FERRY_INVENTORY: inv };
    try {
      execFileSync('id', [NOPRIV_USER], { stdio: 'ignore' });
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', NOPRIV_USER]);
    }
    // No password, but not locked: sshd (without PAM) refuses locked accounts even with a valid key.
    execFileSync('usermod', ['-p', '*', NOPRIV_USER]);
  });
  afterAll(async () => {
    await labDown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function migrate(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return ferry(['migrate', ...args, '--json'], { env: { ...env, ...extraEnv } });
  }

  /** Nothing moved: the demo runs on lab-a with its connections, the service address is still there. */
  async function expectNothingChanged() {
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe('lab-a');
    const procs = await hostProcesses('lab-a');
    expect(procs.get(demoPid)?.args).toContain('demo-workload');
    expect(procs.get(demoPid)?.sockets.length).toBeGreaterThanOrEqual(2);
    expect(s.witness!.totals.resets).toBe(0);
    expect(s.witness!.totals.reconnects).toBe(0);
  }

  function expectRefused(r: CliResult, code: string, exit = 1) {
    if (r.code !== exit || r.json?.ok !== false) throw new Error(`expected refusal ${code}, got exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const err = r.json.error ?? r.json.record?.error;
    expect(err.code).toBe(code);
    expect(err.message.length).toBeGreaterThan(10);
    if (r.json.record) expect(['refused', 'failed']).toContain(r.json.record.outcome);
    return err as { code: string; message: string; hint?: string; host?: string };
  }

  it('unknown host', async () => {
    const err = expectRefused(await migrate(['--from', 'lab-x', '--pid', String(demoPid), '--to', 'lab-b']), 'UNKNOWN_HOST', 2);
    expect(err.message).toContain('lab-x');
    expect(err.message).toContain('lab-a');
    await expectNothingChanged();
  });

  it('unreachable host', async () => {
    const err = expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-gone']), 'HOST_UNREACHABLE');
    expect(err.host).toBe('lab-gone');
    await expectNothingChanged();
  });

  it('malformed PID, address and same host on both sides', async () => {
    expectRefused(await migrate(['--from', 'lab-a', '--pid', '12abc', '--to', 'lab-b']), 'BAD_INPUT', 2);
    expectRefused(await migrate(['--from', 'lab-a', '--pid', '-5', '--to', 'lab-b']), 'BAD_INPUT', 2);
    expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--ip', '198.18.0.100;reboot']), 'BAD_INPUT', 2);
    expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-a']), 'BAD_INPUT', 2);
    await expectNothingChanged();
  });

  it("one host under two names, an address given twice, a budget under the contract's minimum: refused before connecting", async () => {
    const base = ['--from', 'lab-a', '--pid', String(demoPid)];
    expect(expectRefused(await migrate([...base, '--to', 'LAB-A']), 'BAD_INPUT', 2).message).toContain('same host');
    const alias = expectRefused(await migrate([...base, '--to', 'lab-a-again']), 'BAD_INPUT', 2);
    expect(alias.message).toContain('lab-a and lab-a-again both reach 198.18.0.2:22');
    const twice = expectRefused(await migrate([...base, '--to', 'lab-b', '--ip', '198.18.0.100', '--ip', '198.18.0.100']), 'BAD_INPUT', 2);
    expect(twice.message).toContain('198.18.0.100 given more than once');
    expectRefused(await migrate([...base, '--to', 'lab-b', '--budget-ms', '1']), 'BAD_INPUT', 2);
    await expectNothingChanged();
  });

  it('an image base that is a symlink into /etc, or a folder another user owns, is refused on the host before the freeze', async () => {
    const link = path.join(tmp, 'etc-link');
    execFileSync('ln', ['-s', '/etc', link]);
    const r = await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--image-base', `${link}/ferry`]);
    const err = expectRefused(r, 'BAD_INPUT', 2);
    expect(err.message).toContain('resolves to /etc/ferry, inside /etc (a system folder)');
    expect(['lab-a', 'lab-b']).toContain(err.host);
    expect(r.json.record.steps.find((s: { name: string }) => s.name === 'dump')).toBeUndefined();
    const theirs = path.join(tmp, 'theirs');
    execFileSync('mkdir', ['-m', '755', theirs]);
    execFileSync('chown', [NOPRIV_USER, theirs]);
    const owned = expectRefused(
      await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--image-base', `${theirs}/images`]),
      'BAD_INPUT',
      2,
    );
    expect(owned.message).toContain('not root');
    expect(execFileSync('ls', ['-A', theirs], { encoding: 'utf8' })).toBe('');
    await expectNothingChanged();
  });

  it('no such PID', async () => {
    const err = expectRefused(await migrate(['--from', 'lab-a', '--pid', '4000000', '--to', 'lab-b']), 'NO_SUCH_PROCESS');
    expect(err.hint).toContain('ferry ps lab-a');
    await expectNothingChanged();
  });

  it("the source's management (SSH) address cannot move", async () => {
    const err = expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--ip', '198.18.0.2']), 'ADDRESS_IS_MANAGEMENT');
    expect(err.message).toContain('198.18.0.2');
    await expectNothingChanged();
  });

  it('an address already present on the destination', async () => {
    for (const h of ['a', 'b']) execFileSync('nsenter', [`--net=/run/netns/${LAB}-${h}`, 'ip', 'addr', 'add', '198.18.0.101/32', 'dev', 'eth0']);
    try {
      const err = expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b', '--ip', '198.18.0.101']), 'ADDRESS_CONFLICT');
      expect(err.host).toBe('lab-b');
    } finally {
      for (const h of ['a', 'b']) execFileSync('nsenter', [`--net=/run/netns/${LAB}-${h}`, 'ip', 'addr', 'del', '198.18.0.101/32', 'dev', 'eth0']);
    }
    await expectNothingChanged();
  });

  it('a PID already taken on the destination', async () => {
    // Make lab-b's next PID the demo's, then fork a sleeper there (unless something already holds it).
    let onB = await hostProcesses('lab-b');
    const forked = !onB.has(demoPid);
    if (forked) {
      await labExec('lab-b', ['sh', '-c', `echo ${demoPid - 1} > /proc/sys/kernel/ns_last_pid && exec setsid -f sleep 600`]);
      await sleep(300);
      onB = await hostProcesses('lab-b');
      expect(onB.get(demoPid)?.comm).toBe('sleep');
    }
    const err = expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b']), 'PID_TAKEN');
    expect(err.message).toContain(String(demoPid));
    if (forked) await ferry(['lab', 'exec', 'lab-b', '--', 'kill', String(demoPid)]);
    await expectNothingChanged();
  });

  it('a CRIU too old for the kernel (Debian 12 CRIU 3.17 on Linux 6.18)', async () => {
    const old = { FERRY_CRIU: '/opt/ferry/bin/criu-bookworm' };
    const check = await ferry(['check', 'lab-b', '--json'], { env: { ...env, ...old } });
    expect(check.code).toBe(1);
    const criu = check.json.checks.find((c: any) => c.name === 'criu');
    expect(criu).toMatchObject({ ok: false, code: 'CRIU_TOO_OLD' });
    expect(criu.detail).toContain('3.17');
    expect(criu.fix).toContain('4.2');
    expectRefused(await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b'], old), 'CRIU_TOO_OLD');
    await expectNothingChanged();
  });

  it('no privileges (a user without sudo rights)', async () => {
    const check = await ferry(['check', 'lab-a-user', '--json'], { env });
    expect(check.code).toBe(1);
    expect(check.json.checks[0]).toMatchObject({ name: 'ssh', ok: false, code: 'NO_PRIVILEGES' });
    expectRefused(await migrate(['--from', 'lab-a-user', '--pid', String(demoPid), '--to', 'lab-b']), 'NO_PRIVILEGES');
    await expectNothingChanged();
  });

  it('an address that another process also uses (its connections would break)', async () => {
    // A second process on lab-a talks to the peer from the same service address.
    const other = await labExec('lab-a', ['socat', '-u', 'EXEC:sleep 600', 'TCP:198.18.0.1:7000']);
    try {
      await sleep(500);
      const r = await migrate(['--from', 'lab-a', '--pid', String(demoPid), '--to', 'lab-b']);
      expectRefused(r, 'ADDRESS_CONFLICT');
      expect(r.json.record.error.message).toMatch(new RegExp(`198\\.18\\.0\\.100 is also used by .*${other} \\(socat\\)`));
      expect(r.json.record.error.hint).toContain('--allow-shared-address');
      await expectNothingChanged();
    } finally {
      await ferry(['lab', 'exec', 'lab-a', '--', 'kill', String(other)]);
    }
  });

  it('a process without TCP connections is allowed, with a warning', async () => {
    const pid = await labExec('lab-a', ['sleep', '600']);
    const r = await migrate(['--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b']);
    if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`);
    expect(r.json.record.outcome).toBe('succeeded');
    expect(r.json.record.warnings.join('\n')).toContain('no TCP connections');
    expect(r.json.record.plan.addresses).toEqual([]);
    expect((await hostProcesses('lab-b')).get(pid)?.comm).toBe('sleep');
    expect((await hostProcesses('lab-a')).has(pid)).toBe(false);
    await expectNothingChanged();
  });
});
