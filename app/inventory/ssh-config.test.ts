import { describe, expect, it } from 'vitest';
import { FerryError } from '../errors';
import { configWarnings, listConcreteAliases, parseSshConfig, resolveSshHost, type IncludeResolver } from './ssh-config';
import { matchPattern, matchPatternList } from './ssh-pattern';
import { expandProxyCommand, parseProxyJump } from './ssh-tokens';
import { aliasProblem, hostNameProblem } from './host-name';

const ctx = { home: '/home/op', localUser: 'op' };
const resolve = (text: string, alias: string) => resolveSshHost([parseSshConfig(text, { source: 'cfg' })], alias, ctx);

describe('patterns', () => {
  it('matches * and ? case-insensitively', () => {
    expect(matchPattern('lab-*', 'lab-a')).toBe(true);
    expect(matchPattern('lab-?', 'LAB-b')).toBe(true);
    expect(matchPattern('lab-?', 'lab-bb')).toBe(false);
    expect(matchPattern('*.example.com', 'a.b.example.com')).toBe(true);
    expect(matchPattern('*a*b', 'xaxxb')).toBe(true);
    expect(matchPattern('*a*b', 'xaxxbc')).toBe(false);
    expect(matchPattern('', '')).toBe(true);
  });
  it('lets a negation veto a positive match', () => {
    expect(matchPatternList(['lab-*', '!lab-b'], 'lab-a')).toBe(true);
    expect(matchPatternList(['lab-*', '!lab-b'], 'lab-b')).toBe(false);
    expect(matchPatternList(['!lab-b'], 'lab-a')).toBe(false);
  });
});

describe('parseSshConfig / resolveSshHost', () => {
  it('takes the first obtained value across blocks, in file order', () => {
    const spec = resolve(
      `
# comment
Host lab-a
  HostName 10.0.0.1
  Port 2201

Host lab-*
  HostName 10.9.9.9
  User ferry
  Port 2299
  IdentityFile ~/.ssh/lab

Host *
  User nobody
  IdentityFile ~/.ssh/id_ed25519
`,
      'lab-a',
    );
    expect(spec).toEqual({
      name: 'lab-a',
      hostName: '10.0.0.1',
      user: 'ferry',
      port: 2201,
      identityFiles: ['/home/op/.ssh/lab', '/home/op/.ssh/id_ed25519'],
      source: 'cfg',
    });
  });

  it('applies defaults: alias as HostName, local user, port 22', () => {
    expect(resolve('Host other\n  User x\n', 'lab-z')).toMatchObject({
      hostName: 'lab-z',
      user: 'op',
      port: 22,
      identityFiles: [],
    });
  });

  it('accepts Key=value, case-insensitive keywords, quotes and trailing comments', () => {
    const spec = resolve(
      `HOST=lab-q "lab r"
\tHOSTNAME = 10.1.2.3   # the box
  user="deploy"
  IdentityFile "/keys/with space/id" # comment
  port=2022
`,
      'lab r',
    );
    expect(spec).toMatchObject({
      hostName: '10.1.2.3',
      user: 'deploy',
      port: 2022,
      identityFiles: ['/keys/with space/id'],
    });
  });

  it('handles negated patterns on Host lines', () => {
    const text = 'Host lab-* !lab-b\n  User a\nHost *\n  User b\n';
    expect(resolve(text, 'lab-a').user).toBe('a');
    expect(resolve(text, 'lab-b').user).toBe('b');
  });

  it('expands %h in HostName and tokens in IdentityFile', () => {
    const spec = resolve('Host *\n  HostName %h.lab\n  User r\n  Port 2200\n  IdentityFile %d/k/%r@%h:%p-%n-%u-%%\n', 'a');
    expect(spec.hostName).toBe('a.lab');
    expect(spec.identityFiles).toEqual(['/home/op/k/r@a.lab:2200-a-op-%']);
  });

  it('keeps ProxyCommand raw and lets the first of ProxyJump/ProxyCommand win', () => {
    const cmdFirst = resolve('Host a\n  ProxyCommand nc -X 5 %h %p # not a comment\n  ProxyJump j\n', 'a');
    expect(cmdFirst.proxyCommand).toBe('nc -X 5 %h %p # not a comment');
    expect(cmdFirst.proxyJump).toBeUndefined();
    const jumpFirst = resolve('Host a\n  ProxyJump admin@j:2222,k\nHost *\n  ProxyCommand nc %h %p\n', 'a');
    expect(jumpFirst.proxyJump).toBe('admin@j:2222,k');
    expect(jumpFirst.proxyCommand).toBeUndefined();
    const none = resolve('Host a\n  ProxyJump none\nHost *\n  ProxyJump j\n', 'a');
    expect(none.proxyJump).toBeUndefined();
  });

  it('ignores unsupported keywords and Match blocks other than Match all, with a warning', () => {
    const file = parseSshConfig('ForwardAgent yes\nMatch exec "true"\n  User m\nMatch all\n  Port 2022\n', { source: 'cfg' });
    expect(configWarnings([file])).toEqual(['cfg:2: only "Match all" is supported; this Match block is ignored']);
    expect(resolveSshHost([file], 'x', ctx)).toMatchObject({ user: 'op', port: 2022 });
  });

  it('rejects bad ports and unterminated quotes with the location', () => {
    expect(() => parseSshConfig('Host a\n  Port 70000\n', { source: 'f' })).toThrow(/f:2: bad port/);
    expect(() => parseSshConfig('Host "a\n', { source: 'f' })).toThrow(FerryError);
  });

  it('follows Include in place, and only when the including block applies', () => {
    const texts: Record<string, string> = {
      'inc/a.conf': 'User from-a\nHost lab-b\n  Port 2202\n',
      'inc/b.conf': 'Host lab-c\n  User from-b\n',
    };
    const include: IncludeResolver = (arg) =>
      arg === 'inc/*'
        ? Object.keys(texts)
            .sort()
            .map((source) => ({ source, text: texts[source]! }))
        : [];
    const file = parseSshConfig('Host lab-a lab-b\n  Include inc/*\nHost *\n  User last\n  Port 2000\n', { source: 'main', include });
    expect(resolveSshHost([file], 'lab-a', ctx)).toMatchObject({ user: 'from-a', port: 2000 });
    expect(resolveSshHost([file], 'lab-b', ctx)).toMatchObject({ user: 'from-a', port: 2202 });
    // lab-c is only named inside an include pulled in by a block that does not match lab-c.
    expect(resolveSshHost([file], 'lab-c', ctx)).toMatchObject({ user: 'last', source: 'inc/b.conf' });
    expect(listConcreteAliases([file])).toEqual([
      { name: 'lab-a', source: 'main' },
      { name: 'lab-b', source: 'main' },
      { name: 'lab-c', source: 'inc/b.conf' },
    ]);
  });

  it('refuses runaway Include recursion', () => {
    const include: IncludeResolver = () => [{ source: 'loop', text: 'Include loop\n' }];
    expect(() => parseSshConfig('Include loop\n', { include })).toThrow(/too deeply/);
  });

  it('treats several files as one, in order', () => {
    const lab = parseSshConfig('Host lab-a\n  HostName 10.0.0.1\n', { source: 'lab' });
    const user = parseSshConfig('Host lab-a\n  HostName 192.168.0.1\n  User u\nHost mine\n', { source: '~/.ssh/config' });
    expect(resolveSshHost([lab, user], 'lab-a', ctx)).toMatchObject({ hostName: '10.0.0.1', user: 'u', source: 'lab' });
    expect(listConcreteAliases([lab, user]).map((a) => a.name)).toEqual(['lab-a', 'mine']);
  });

  it('lists only concrete aliases', () => {
    const file = parseSshConfig('Host * lab-? !bad a.example.com\nHost b 10.0.0.*\n');
    expect(listConcreteAliases([file]).map((a) => a.name)).toEqual(['a.example.com', 'b']);
  });
});

describe('ssh tokens', () => {
  it('expands ProxyCommand tokens', () => {
    const spec = { name: 'lab-a', hostName: '10.0.0.1', port: 2201, user: 'root' };
    expect(expandProxyCommand(spec, 'nc %h %p # %r %n 100%%')).toBe('nc 10.0.0.1 2201 # root lab-a 100%');
    expect(() => expandProxyCommand(spec, 'nc %x')).toThrow(/unknown token %x/);
  });
  it('parses ProxyJump hops', () => {
    expect(parseProxyJump('a, admin@b:2222,ssh://c@[::1]:23,[fe80::1]')).toEqual([
      { host: 'a' },
      { host: 'b', user: 'admin', port: 2222 },
      { host: '::1', user: 'c', port: 23 },
      { host: 'fe80::1' },
    ]);
    expect(() => parseProxyJump('a:99999')).toThrow(/bad port/);
    expect(() => parseProxyJump('a,')).toThrow(/empty hop/);
  });
});

describe('host names', () => {
  it('rejects whitespace, leading dash and shell metacharacters', () => {
    for (const bad of ['', 'a b', '-oProxyCommand=x', 'a;b', 'a$(b)', 'a`b`', "a'b", 'a|b', 'a\nb', 'a&b']) {
      expect(aliasProblem(bad), bad).toBeDefined();
      expect(hostNameProblem(bad), bad).toBeDefined();
    }
    for (const good of ['lab-a', 'a.example.com', '10.0.0.1', 'fe80::1%eth0']) expect(hostNameProblem(good)).toBeUndefined();
  });
});

describe('UserKnownHostsFile', () => {
  it('keeps the first obtained list, expanded', () => {
    const spec = resolve('Host a\n  UserKnownHostsFile ~/kh1 /etc/kh2\nHost *\n  UserKnownHostsFile /other\n', 'a');
    expect(spec.userKnownHostsFiles).toEqual(['/home/op/kh1', '/etc/kh2']);
    expect(resolve('Host b\n', 'b').userKnownHostsFiles).toBeUndefined();
  });
});
