import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecret, isSecretKey, REDACTED, redactText, redactValue, registerSecret } from './redact';

const registered: string[] = [];
function secret(v: string): string {
  registerSecret(v);
  registered.push(v);
  return v;
}
afterEach(() => registered.splice(0).forEach(forgetSecret));

describe('redactText', () => {
  it('removes registered secrets wherever they appear, longest first', () => {
    const pass = secret('hunter2-sudo');
    secret('hunter2');
    expect(redactText(`sudo: password ${pass} rejected; retry hunter2`)).toBe(`sudo: password ${REDACTED} rejected; retry ${REDACTED}`);
  });

  it('ignores secrets too short to be safe to replace', () => {
    secret('ab');
    expect(redactText('a tab and a cab')).toBe('a tab and a cab');
  });

  it.each([
    ['http://127.0.0.1:7411/?token=3f9a0c&x=1', `http://127.0.0.1:7411/?token=${REDACTED}&x=1`],
    ['ws://h/ws?a=1&access_token=abc.def#top', `ws://h/ws?a=1&access_token=${REDACTED}#top`],
    ['https://x/cb#id_token=eyJhbGci', `https://x/cb#id_token=${REDACTED}`],
    ['GET /?api_key=K1&password=p%40ss HTTP/1.1', `GET /?api_key=${REDACTED}&password=${REDACTED} HTTP/1.1`],
    ['ssh://admin:s3cr3t@jump.example:22', `ssh://admin:${REDACTED}@jump.example:22`],
    ['Authorization: Bearer abc.def.ghi', `Authorization: Bearer ${REDACTED}`],
    ['cookie: ferry-token=9d8e7f; Path=/', `cookie: ferry-token=${REDACTED}; Path=/`],
    ['redis-server --requirepass x --password=topsecret', `redis-server --requirepass x --password=${REDACTED}`],
    ['mysql --password hush -u root', `mysql --password ${REDACTED} -u root`],
    ['env SUDO_PASSWORD=pw1 GITHUB_TOKEN=ghp_x ls', `env SUDO_PASSWORD=${REDACTED} GITHUB_TOKEN=${REDACTED} ls`],
    ['{"user":"root","passphrase":"a \\"quoted\\" one"}', `{"user":"root","passphrase":"${REDACTED}"}`],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\nnext', `-----BEGIN OPENSSH PRIVATE KEY----- ${REDACTED}\nnext`],
  ])('removes patterns: %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('leaves ordinary text, CRIU log lines and addresses alone', () => {
    for (const text of [
      '(00.012345) Dumping pre-session data for 4242',
      'criu dump --tree 4242 --images-dir /var/lib/ferry/images/m1 --tcp-established',
      'tcp 198.18.0.100:7001 → 198.18.0.1:7000 ESTAB',
      'http://127.0.0.1:7411/?tokens_seen=3',
      'password prompt skipped (sudo -n)',
    ]) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('redactValue', () => {
  it('redacts nested strings and secret keys in a record, keeping everything else', () => {
    const token = secret('tok-1234567890');
    const record = {
      id: 'm1',
      request: { from: 'lab-a', pid: 42, keepImages: false, budgetMs: 60000, addresses: ['198.18.0.100'] },
      plan: { args: `demo --token ${token}`, comm: 'demo' },
      auth: { sudoPassword: 'pw-very-secret', passphrase: 'x', identityFile: '/root/.ssh/id' },
      steps: [{ name: 'connect', detail: `connected with ${token}` }, null],
      nothing: undefined,
    };
    const out = redactValue(record);
    expect(out).toEqual({
      id: 'm1',
      request: record.request,
      plan: { args: `demo --token ${REDACTED}`, comm: 'demo' },
      auth: { sudoPassword: REDACTED, passphrase: REDACTED, identityFile: '/root/.ssh/id' },
      steps: [{ name: 'connect', detail: `connected with ${REDACTED}` }, null],
      nothing: undefined,
    });
    // The input is untouched.
    expect(record.auth.sudoPassword).toBe('pw-very-secret');
    expect(JSON.stringify(out)).not.toContain(token);
  });

  it('cuts cycles and follows toJSON', () => {
    const a: Record<string, unknown> = { name: 'a', when: new Date(0) };
    a.self = a;
    const out = redactValue(a) as Record<string, unknown>;
    expect(out.self).toBe(out);
    expect(out.when).toBe('1970-01-01T00:00:00.000Z');
  });

  it('knows secret key names', () => {
    for (const k of ['password', 'sudoPassword', 'passphrase', 'apiKey', 'api_key', 'token', 'accessToken', 'Authorization', 'cookie', 'privateKey']) {
      expect(isSecretKey(k), k).toBe(true);
    }
    for (const k of ['pid', 'tokens', 'user', 'identityFile', 'knownHostsFile', 'startTicks', 'hostKey']) expect(isSecretKey(k), k).toBe(false);
  });
});
