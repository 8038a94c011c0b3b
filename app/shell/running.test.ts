import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killAndWaitArgv, RUNNING_FN, waitWhileRunningArgv } from './running';

/** A real zombie: sh starts a child that exits after sh has exec'd a sleep, which never reaps it. */
function makeZombie(): Promise<{ parent: number; zombie: number; kill: () => void }> {
  const p = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    p.stdout.once('data', (d: Buffer) => {
      const zombie = Number(String(d).trim());
      const until = Date.now() + 5000;
      const poll = () => {
        let state: string | undefined;
        try {
          state = readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0];
        } catch {
          state = 'gone';
        }
        if (state === 'Z') resolve({ parent: p.pid!, zombie, kill: () => p.kill('SIGKILL') });
        else if (Date.now() > until) reject(new Error(`child ${zombie} never became a zombie (state ${state})`));
        else setTimeout(poll, 10);
      };
      poll();
    });
  });
}

const sh = (script: string, ...args: string[]) => spawnSync('sh', ['-c', script, 'test', ...args], { encoding: 'utf8' });
const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 10_000 });

describe.skipIf(process.platform !== 'linux')('running (sh)', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((f) => f()));

  it('is false for a zombie, though kill -0 succeeds on it', async () => {
    const z = await makeZombie();
    cleanup.push(z.kill);
    expect(sh('kill -0 "$1"', String(z.zombie)).status).toBe(0);
    expect(sh(`${RUNNING_FN}; running "$1"`, String(z.zombie)).status).toBe(1);
    expect(sh(`${RUNNING_FN}; running "$1"`, String(z.parent)).status).toBe(0);
    expect(sh(`${RUNNING_FN}; running "$1"`, '999999999').status).toBe(1);
  });

  it('killAndWaitArgv returns once the killed processes no longer run, zombies included', async () => {
    const z = await makeZombie();
    cleanup.push(z.kill);
    // The parent is killed; its own parent (this test's node) has not reaped it yet, or has: either way it is gone.
    const r = run(killAndWaitArgv([z.parent, z.zombie]));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('waitWhileRunningArgv ends when the process in the pid file is a zombie', async () => {
    const z = await makeZombie();
    cleanup.push(z.kill);
    const file = `/tmp/ferry-running-test-${process.pid}.pid`;
    spawnSync('sh', ['-c', 'echo "$1" > "$2"', 'x', String(z.zombie), file]);
    const r = run(waitWhileRunningArgv(file));
    spawnSync('rm', ['-f', file]);
    expect(r.status).toBe(0);
    expect(r.error).toBeUndefined();
  });
});
