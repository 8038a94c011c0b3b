// A process with MAP_SHARED anonymous memory migrated with lazy pages: CRIU cannot leave shared memory lazy, so
// it moves inside the freeze; the plan must say so, and the bytes must go straight from lab-a to lab-b, not
// through the controller. Judged from the peer: the process answers the SHA-256 of its shared memory over the
// same connection before and after, and the record's relayed byte count stays far below the memory's size.
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

    // Same connection, same memory.
    expect(await client.ask('sum')).toBe(before);
    expect(await client.ask('ping')).toBe('pong 2');
  });
});
