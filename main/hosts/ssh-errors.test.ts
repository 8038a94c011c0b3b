import { describe, expect, it } from 'vitest';
import { connectError, sudoRefusal, type ConnectFailure } from './ssh-errors';

const failure: ConnectFailure = {
  label: 'lab-a',
  target: 'root@10.0.0.1:22',
  tried: ['/keys/lab'],
  skipped: ['/keys/old (Encrypted private OpenSSH key detected, but no passphrase given)'],
};

const sysErr = (code: string, message: string) => Object.assign(new Error(message), { code, level: 'client-socket' });

describe('connectError', () => {
  it('maps socket errors and handshake timeouts to HOST_UNREACHABLE with the host', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']) {
      const e = connectError(sysErr(code, `connect ${code}`), failure);
      expect(e.code, code).toBe('HOST_UNREACHABLE');
      expect(e.host).toBe('lab-a');
      expect(e.message).toContain('root@10.0.0.1:22');
    }
    expect(connectError(sysErr('ENOTFOUND', 'getaddrinfo ENOTFOUND x'), failure).message).toContain('name not found');
    const timeout = Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
    expect(connectError(timeout, { ...failure, proxyStderr: 'nsenter: no such netns' })).toMatchObject({
      code: 'HOST_UNREACHABLE',
      message: expect.stringContaining('proxy said: nsenter: no such netns'),
    });
  });

  it('maps auth failures to SSH_AUTH naming what was tried and skipped', () => {
    const auth = Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
    const e = connectError(auth, failure);
    expect(e.code).toBe('SSH_AUTH');
    expect(e.hint).toContain('Tried /keys/lab');
    expect(e.hint).toContain('/keys/old (Encrypted');
    expect(connectError(auth, { ...failure, tried: [] }).hint).toContain('no usable identity file');
  });
});

describe('sudoRefusal', () => {
  it('recognises sudo -n refusals', () => {
    expect(sudoRefusal('sudo: a password is required\n', 'lab-a', 'ops')).toMatchObject({
      code: 'NO_PRIVILEGES',
      host: 'lab-a',
      message: 'ops@lab-a cannot run commands as root: sudo: a password is required',
    });
    expect(sudoRefusal('ops is not in the sudoers file.  This incident will be reported.\n', 'h', 'ops')?.code).toBe('NO_PRIVILEGES');
    expect(sudoRefusal('bash: line 1: sudo: command not found\n', 'h', 'ops')?.code).toBe('NO_PRIVILEGES');
    expect(sudoRefusal('criu: dump failed\n', 'h', 'ops')).toBeUndefined();
  });
});
