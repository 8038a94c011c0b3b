import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive, processStartTicks } from './process-alive';

describe.skipIf(process.platform !== 'linux')('isAlive', () => {
  it('is false for a real zombie (kill(pid, 0) succeeds on it) and true for its running parent', async () => {
    const p = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const zombie = Number(String(await new Promise<Buffer>((r) => p.stdout.once('data', r))).trim());
      const until = Date.now() + 5000;
      while (readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z') {
        if (Date.now() > until) throw new Error('the child never became a zombie');
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isAlive(zombie)).toBe(false);
      expect(isAlive(p.pid!)).toBe(true);
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('checks the start time when given one (a reused PID is another process)', () => {
    const ticks = processStartTicks(process.pid);
    expect(ticks).toBeGreaterThan(0);
    expect(isAlive(process.pid, ticks)).toBe(true);
    expect(isAlive(process.pid, ticks! + 1)).toBe(false);
  });

  it('is false for PIDs that do not exist or cannot be PIDs', () => {
    expect(isAlive(999_999_999)).toBe(false);
    expect(isAlive(0)).toBe(false);
    expect(isAlive(-1)).toBe(false);
    expect(processStartTicks(999_999_999)).toBeUndefined();
  });
});
