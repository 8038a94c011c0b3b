// A process CRIU cannot dump (a UNIX socket connected outside its tree) is refused at the dump with a readable
// error from CRIU's log, keeps running on the source with its TCP connection, and its address does not move.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, sleep } from './cli';
import { hostProcesses, labDown, labExec, labStatus, labUp } from './lab-fixture';

describe('a dump that fails changes nothing', () => {
  const sock = `/tmp/ferry-dumpfail-${process.pid}.sock`;
  beforeAll(async () => {
    await labUp(1);
  });
  afterAll(async () => {
    await labDown();
  });

  it("reports CRIU's reason, keeps the log and leaves the process running", async () => {
    await labExec('lab-a', ['socat', `UNIX-LISTEN:${sock},fork`, 'EXEC:cat']);
    for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(100);
    // The client holds a TCP connection to the witness (from the service address) and a UNIX socket to the server.
    const demo = (await labStatus()).demo!;
    const pid = await labExec('lab-a', ['socat', `UNIX-CONNECT:${sock}`, 'TCP:198.18.0.1:7000']);
    await sleep(500);
    const before = await hostProcesses('lab-a');
    expect(before.get(pid)?.comm).toBe('socat');

    const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(pid), '--to', 'lab-b', '--allow-shared-address', '--json']);
    expect(r.code).toBe(1);
    const rec = r.json.record;
    expect(rec.outcome).toBe('failed');
    expect(rec.error.code).toBe('CRIU_DUMP_FAILED');
    expect(rec.error.message).toMatch(/UNIX socket|unix/i);
    expect(rec.error.hint).toBeTruthy();
    expect(rec.steps.find((s: any) => s.name === 'dump').status).toBe('failed');
    expect(rec.steps.some((s: any) => s.name === 'move-address')).toBe(false);
    // CRIU's own log is kept with the record.
    expect(readFileSync(rec.logs.dump, 'utf8')).toContain('External socket is used');

    const after = await hostProcesses('lab-a');
    expect(after.get(pid)?.comm).toBe('socat');
    expect((after.get(pid)?.sockets as any[]).some((s) => s.state === 'ESTAB' && s.remote.port === 7000)).toBe(true);
    expect(after.get(demo.pid)).toBeDefined();
    const s = await labStatus();
    expect(s.serviceAddress.holder).toBe('lab-a');
    expect(s.witness!.totals.resets).toBe(0);
    // The source lock (Ferry's, the dump ran with --network-lock skip) came off with the failed dump.
    const tables = execFileSync('nsenter', [`--net=/run/netns/${process.env.FERRY_LAB ?? 'ferry'}-a`, 'nft', 'list', 'tables'], { encoding: 'utf8' });
    expect(tables).not.toMatch(/CRIU-/);
  });
});
