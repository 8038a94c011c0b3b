import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { MigrationPlan } from '../../app/model/migration';
import { directListenerArgv, directSenderArgv, directStreamCommands } from './direct-stream';
import { pageStreamPaths } from './page-relay';

/** What `eval "set -- $line"` makes of a command line under the real /bin/sh (as the freeze scripts run it). */
const evaluated = (line: string) => {
  const r = spawnSync('/bin/sh', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'x', line]);
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString().split('\0').slice(0, -1);
};

describe('lazy mode direct stream argv', () => {
  const src = pageStreamPaths('/var/lib/ferry/images/m-1-dump');
  const dst = pageStreamPaths('/var/lib/ferry/images/m-1-restore');

  it('listens for one TLS client with a certificate of this CA, on the destination address only, to stdout', () => {
    expect(directListenerArgv({ address: '198.18.0.3', port: 27124, log: dst.directLog, tls: dst })).toEqual([
      'socat', '-u', '-b', '1048576', '-d', '-d', '-lf', dst.directLog,
      `OPENSSL-LISTEN:27124,bind=198.18.0.3,reuseaddr,pf=ip4,cafile=${dst.ca},cert=${dst.cert},key=${dst.key},verify=1`, 'STDOUT',
    ]);
    expect(directListenerArgv({ address: '2001:db8::3', port: 27124, log: dst.directLog })[8]).toBe('TCP-LISTEN:27124,bind=[2001:db8::3],reuseaddr,pf=ip6');
  });

  it('sends stdin from the admitted source address, checking the listener\'s certificate against its address', () => {
    expect(directSenderArgv({ address: '198.18.0.3', port: 27124, bind: '198.18.0.2', log: src.directLog, tls: src })).toEqual([
      'socat', '-u', '-b', '1048576', '-d', '-d', '-lf', src.directLog, 'STDIN',
      `OPENSSL:198.18.0.3:27124,bind=198.18.0.2,retry=100,interval=0.02,cafile=${src.ca},cert=${src.cert},key=${src.key},verify=1,commonname=198.18.0.3`,
    ]);
    expect(directSenderArgv({ address: '2001:db8::3', port: 27124, log: src.directLog }).at(-1)).toBe('TCP:[2001:db8::3]:27124,retry=100,interval=0.02');
  });

  it('builds both command lines from the plan (TLS with the page stream), each one argv once evaluated', () => {
    const plan = {
      sourceImageDir: '/var/lib/ferry/images/m-1-dump', destinationImageDir: '/var/lib/ferry/images/m-1-restore',
      pageServer: { address: '198.18.0.2', port: 27123, peer: '198.18.0.3', guardTable: 'ferry-ps-m-1', tls: true },
      directStream: { address: '198.18.0.3', port: 27124, token: 't', peer: '198.18.0.2' },
    } satisfies Pick<MigrationPlan, 'directStream' | 'pageServer' | 'sourceImageDir' | 'destinationImageDir'>;
    const c = directStreamCommands(plan)!;
    expect(evaluated(c.send)).toEqual(directSenderArgv({ address: '198.18.0.3', port: 27124, bind: '198.18.0.2', log: src.directLog, tls: src }));
    expect(evaluated(c.listen)).toEqual(directListenerArgv({ address: '198.18.0.3', port: 27124, log: dst.directLog, tls: dst }));
    const plain = directStreamCommands({ ...plan, pageServer: { ...plan.pageServer, tls: false } })!;
    expect(evaluated(plain.send).at(-1)).toBe('TCP:198.18.0.3:27124,bind=198.18.0.2,retry=100,interval=0.02');
    expect(evaluated(plain.listen)[8]).toMatch(/^TCP-LISTEN:27124,/);
    expect(directStreamCommands({ ...plan, directStream: undefined })).toBeUndefined();
  });
});
