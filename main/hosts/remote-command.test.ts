import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../app/errors';
import { quoteArgv } from '../../app/shell/quote';
import { killGroupArgv, PgidMarkerStripper, remoteCommand } from './remote-command';

const hostile = ["it's", '$(id)', '`id`', 'a;b', 'x\ny', '-n', '', ' sp ', '\\', '"q"', 'ünï'];

describe('remoteCommand', () => {
  it('runs exactly the argv under sh, printing the process group first on stderr', () => {
    const r = spawnSync('sh', ['-c', remoteCommand('root', ['printf', '%s\\0', ...hostile])], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(hostile);
    expect(r.stderr).toMatch(/^ferry-pgid=\d+\n$/);
  });

  it('puts sudo -n -- in front as plain argv elements for non-root users', () => {
    const cmd = remoteCommand('ops', ['echo', '$(id)']);
    expect(cmd.endsWith(` ${quoteArgv(['sudo', '-n', '--', 'echo', '$(id)'])}`)).toBe(true);
    expect(remoteCommand('root', ['echo', 'x'])).not.toContain('sudo');
  });

  it('rejects empty argv and NUL bytes', () => {
    expect(() => remoteCommand('root', [])).toThrow(FerryError);
    expect(() => remoteCommand('root', ['echo', 'a\0b'])).toThrow(/NUL/);
  });

  it('reports the real process group of the command', () => {
    const out = execFileSync('sh', ['-c', `${remoteCommand('root', ['sh', '-c', 'ps -o pgid= -p $$'])} 2>&1`], { encoding: 'utf8' });
    const [marker, pgid] = out.trim().split('\n');
    expect(marker).toBe(`ferry-pgid=${pgid!.trim()}`);
    expect(killGroupArgv(42)).toEqual(['kill', '-KILL', '--', '-42']);
  });
});

describe('PgidMarkerStripper', () => {
  const feed = async (chunks: string[]) => {
    const s = new PgidMarkerStripper();
    const out: Buffer[] = [];
    s.on('data', (c: Buffer) => out.push(c));
    const ended = new Promise((r) => s.on('end', r));
    for (const c of chunks) s.write(Buffer.from(c));
    s.end();
    await ended;
    return { pgid: await s.pgid, text: Buffer.concat(out).toString() };
  };
  it('removes the marker even when split across chunks', async () => {
    expect(await feed(['ferry-pg', 'id=123', '4\nerr', 'or\n'])).toEqual({ pgid: 1234, text: 'error\n' });
  });
  it('keeps shell start-up noise printed before the marker', async () => {
    expect(await feed(['bashrc: hi\nferry-pgid=7\n', 'real\n'])).toEqual({ pgid: 7, text: 'bashrc: hi\nreal\n' });
  });
  it('passes stderr through untouched when there is no marker', async () => {
    expect(await feed(['bash: warning\n', 'x'])).toEqual({ pgid: undefined, text: 'bash: warning\nx' });
    expect(await feed(['no newline'])).toEqual({ pgid: undefined, text: 'no newline' });
    expect(await feed([])).toEqual({ pgid: undefined, text: '' });
  });
});
