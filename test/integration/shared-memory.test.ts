// A process with MAP_SHARED anonymous memory migrated with lazy pages: CRIU cannot leave shared memory lazy, so
// it moves inside the freeze; the plan must say so, and the bytes must go straight from lab-a to lab-b, not
// through the controller. Judged from the peer: the process answers the SHA-256 of its shared memory over the
// same connection before and after, and the record's relayed byte count stays far below the memory's size.
// Then it goes back: a restored process's shared memory (memfds with zero Rss) must take the same path.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ferry, sleep } from './cli';
import { labDown, labExecLog, labUp } from './lab-fixture';
import { peerClient } from './shm-client';

const MIB = 128;
const PID = 4400;

describe('shared anonymous memory, lazy mode', () => {
  let client: ReturnType<typeof peerClient>;
  beforeAll(async () => {
    await labUp(0);
    const { log } = await labExecLog('lab-a', ['python3', path.join(REPO, 'test/integration/shared-memory.py'), '198.18.0.100', '7300', String(MIB)], PID);
    for (let i = 0; i < 120 && !readFileSync(log, 'utf8').includes('ready'); i++) await sleep(250);
    client = peerClient(7300);
  });
  afterAll(async () => {
    client?.child.kill();
    await labDown();
  });

  it('says which memory cannot be lazy, sends it straight to the destination, and the peer reads it back intact', async () => {
    const before = await client.ask('sum');
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.ask('ping')).toBe('pong 1');

    const r = await ferry(['migrate', '--from', 'lab-a', '--pid', String(PID), '--to', 'lab-b', '--mode', 'lazy', '--json']);
    const rec = r.json?.record;
    expect(rec?.outcome, `${r.stdout}\n${r.stderr}`).toBe('succeeded');
    expect(rec.plan.transferMode).toBe('lazy');
    expect(rec.plan.sharedMemory).toMatchObject({ lazy: false, path: 'direct', objects: 1 });
    expect(rec.plan.sharedMemory.kib).toBeGreaterThanOrEqual(MIB * 1024);
    expect(rec.warnings.join('\n')).toMatch(/128 MiB of shared anonymous memory.*cannot be lazy.*straight from the source to 198\.18\.0\.3/);
    // The memory crossed lab-a → lab-b directly; the controller relayed only the small images.
    expect(rec.directBytes).toBeGreaterThanOrEqual(MIB * 1048576);
    expect(rec.relayedBytes).toBeLessThan(8 * 1048576);
    expect(rec.lazyPages).toMatchObject({ ok: true });

    // Same connection. The memory is not read yet: reading it would map its pages (Rss) and hide the case below.
    expect(await client.ask('ping')).toBe('pong 2');

    // Back again: CRIU restored the memory into memfds no process has touched (Rss 0 in smaps), yet the plan
    // still counts it (the shmem object's blocks) and it still goes straight lab-b → lab-a, not through us.
    // The sum afterwards checks both crossings: same connection, same memory.
    const back = await ferry(['migrate', '--from', 'lab-b', '--pid', String(PID), '--to', 'lab-a', '--mode', 'lazy', '--json']);
    const rec2 = back.json?.record;
    expect(rec2?.outcome, `${back.stdout}\n${back.stderr}`).toBe('succeeded');
    expect(rec2.plan.sharedMemory).toMatchObject({ lazy: false, path: 'direct', objects: 1 });
    expect(rec2.plan.sharedMemory.kib).toBeGreaterThanOrEqual(MIB * 1024);
    expect(rec2.warnings.join('\n')).toMatch(/128 MiB of shared anonymous memory \(1 object\(s\): \/memfd:.*straight from the source to 198\.18\.0\.2/);
    expect(rec2.directBytes).toBeGreaterThanOrEqual(MIB * 1048576);
    expect(rec2.relayedBytes).toBeLessThan(8 * 1048576);
    expect(await client.ask('sum')).toBe(before);
    expect(await client.ask('ping')).toBe('pong 3');
  });
});
