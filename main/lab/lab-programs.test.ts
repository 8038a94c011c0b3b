// The real witness and demo workload, bundled with esbuild and run as processes on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, payloadFor } from '../../app/lab/witness-protocol';
import type { WitnessReport } from '../../app/model/witness';
import { summarizeWitness } from '../../app/model/witness';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir = '';
let witnessJs = '';
let demoJs = '';

interface Proc {
  child: ChildProcess;
  waitLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const procs: Proc[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(script: string, args: string[]): Proc {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: Proc = {
    child,
    exited,
    waitLine: (re, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          for (const l of lines) {
            const m = re.exec(l);
            if (m) {
              waiters.delete(check);
              clearTimeout(t);
              resolve(m);
              return;
            }
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout=${JSON.stringify(lines)} stderr=${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  procs.push(proc);
  return proc;
}

function alive(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

async function readReport(file: string): Promise<WitnessReport> {
  return JSON.parse(await readFile(file, 'utf8')) as WitnessReport;
}

/** Polls the state file until `ok` holds for it. */
async function waitReport(file: string, ok: (r: WitnessReport) => boolean, timeoutMs = 5_000): Promise<WitnessReport> {
  const deadline = Date.now() + timeoutMs;
  let last: WitnessReport | undefined;
  for (;;) {
    try {
      last = await readReport(file);
      if (ok(last)) return last;
    } catch {
      // not written yet
    }
    if (Date.now() > deadline) throw new Error(`state never satisfied the condition; last: ${JSON.stringify(last, null, 1)}`);
    await sleep(50);
  }
}

async function startWitness(name: string): Promise<{ proc: Proc; state: string; addr: string; port: number }> {
  const state = path.join(dir, `${name}.json`);
  const proc = run(witnessJs, ['--listen', '127.0.0.1:0', '--state', state]);
  const m = await proc.waitLine(/^listening (127\.0\.0\.1):(\d+)$/);
  return { proc, state, addr: `${m[1]}:${m[2]}`, port: Number(m[2]) };
}

/** A hand-driven client connection; resolves once connected. */
function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

const msgLine = (clientId: string, seq: number) => encodeFrame({ type: 'MSG', seq, sentAtMs: Date.now(), payload: payloadFor('msg', clientId, 0, seq, 16) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-lab-test-'));
  await build({
    entryPoints: { witness: path.join(here, 'witness.ts'), 'demo-workload': path.join(here, 'demo-workload.ts') },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  witnessJs = path.join(dir, 'witness.mjs');
  demoJs = path.join(dir, 'demo-workload.mjs');
}, 30_000);

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (!alive(p)) continue;
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
    await p.exited;
  }
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('witness + demo workload', () => {
  it('sees intact streams, a SIGSTOP as a gap only, and a SIGKILL as a close', { timeout: 30_000 }, async () => {
    const w = await startWitness('main');
    const demoLog = path.join(dir, 'demo.log');
    const demo = run(demoJs, [
      '--connect',
      w.addr,
      '--connections',
      '4',
      '--interval-ms',
      '10',
      '--payload-bytes',
      '48',
      '--client-id',
      'it-demo',
      '--rss-mib',
      '4',
      '--log',
      demoLog,
    ]);
    await demo.waitLine(/^ready$/);
    await sleep(1_000);

    const steady = await waitReport(w.state, (r) => r.connections.length === 4 && r.connections.every((c) => c.messages >= 40));
    expect(steady.totals).toMatchObject({ connections: 4, open: 4, resets: 0, reconnects: 0, brokenStreams: 0 });
    expect(steady.connections.map((c) => c.connIndex).sort()).toEqual([0, 1, 2, 3]);
    for (const c of steady.connections) {
      expect(c).toMatchObject({ protocol: 'witness', clientId: 'it-demo', intact: true, closeReason: 'open' });
      expect(c.bytesOut).toBeGreaterThan(0);
    }
    expect(summarizeWitness(steady).ok).toBe(true);

    const stoppedAt = Date.now();
    demo.child.kill('SIGSTOP');
    await sleep(500);
    demo.child.kill('SIGCONT');
    await sleep(300);
    const resumed = await waitReport(w.state, (r) => Date.parse(r.updatedAt) > stoppedAt + 700);
    for (const c of resumed.connections) {
      expect(c.maxGapMs).toBeGreaterThanOrEqual(400);
      expect(c.gapsOver100ms).toBeGreaterThanOrEqual(1);
      expect(c.intact).toBe(true);
      expect(c.closeReason).toBe('open');
      const before = steady.connections.find((s) => s.id === c.id);
      expect(c.messages).toBeGreaterThan((before?.messages ?? 0) + 5);
    }
    expect(resumed.totals).toMatchObject({ reconnects: 0, resets: 0, brokenStreams: 0 });
    const log1 = await readFile(demoLog, 'utf8');
    expect(log1).toMatch(/ pause wallMs=\d+/);
    expect(log1).not.toMatch(/verify-failed|disconnected|reconnect/);

    demo.child.kill('SIGKILL');
    await demo.exited;
    const closed = await waitReport(w.state, (r) => r.connections.every((c) => c.closeReason !== 'open'));
    expect(closed.totals).toMatchObject({ connections: 4, open: 0, reconnects: 0 });
    for (const c of closed.connections) {
      expect(['fin', 'reset']).toContain(c.closeReason);
      expect(c.closedAt).toBeDefined();
    }

    w.proc.child.kill('SIGTERM');
    expect(await w.proc.exited).toEqual({ code: 0, signal: null });
    const final = await readReport(w.state);
    expect(final.connections).toHaveLength(4);
  });

  it('flags a wrong seq, records raw clients, counts reconnects and resets', { timeout: 15_000 }, async () => {
    const w = await startWitness('faults');
    const sockets: net.Socket[] = [];
    try {
      const bad = await rawClient(w.port);
      sockets.push(bad);
      bad.write('HELLO bad 0\n' + msgLine('bad', 1) + msgLine('bad', 3));

      const http = await rawClient(w.port);
      sockets.push(http);
      http.write('GET / HTTP/1.0\r\n\r\n');

      const first = await rawClient(w.port);
      first.write('HELLO again 0\n' + msgLine('again', 1));
      await sleep(50);
      first.end();
      const second = await rawClient(w.port);
      sockets.push(second);
      second.write('HELLO again 0\n' + msgLine('again', 1));

      const rst = await rawClient(w.port);
      rst.write('HELLO rst 0\n');
      await sleep(50);
      rst.resetAndDestroy();

      const r = await waitReport(
        w.state,
        (x) => x.connections.length === 5 && x.connections.some((c) => c.closeReason === 'reset') && x.connections.some((c) => c.closeReason === 'fin'),
      );
      const by = (clientId: string) => r.connections.filter((c) => c.clientId === clientId);
      expect(by('bad')[0]).toMatchObject({ intact: false, messages: 2, lastSeq: 3 });
      expect(by('bad')[0]?.brokenReason).toMatch(/seq 3 gap: expected 2/);
      expect(by('bad')[0]?.firstBrokenAt).toBeDefined();

      const raw = r.connections.find((c) => c.protocol === 'raw');
      expect(raw).toMatchObject({ intact: null, bytesIn: 18, bytesOut: 0, messages: 0, closeReason: 'open' });

      expect(by('again').map((c) => c.closeReason)).toEqual(['fin', 'open']);
      expect(r.clients.find((c) => c.clientId === 'again')).toMatchObject({ connections: 2, reconnects: 1 });
      expect(by('rst')[0]).toMatchObject({ closeReason: 'reset', closeDetail: 'ECONNRESET', intact: true });
      expect(r.totals).toMatchObject({ connections: 5, resets: 1, reconnects: 1, brokenStreams: 1 });
      const summary = summarizeWitness(r);
      expect(summary.ok).toBe(false);
      expect(summary.problems).toHaveLength(3);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('demo logs a bad ACK and reconnects with the same clientId/connIndex after a reset', { timeout: 15_000 }, async () => {
    const hellos: { line: string; at: number }[] = [];
    const server = net.createServer((sock) => {
      let buf = '';
      let msgs = 0;
      sock.setEncoding('latin1');
      sock.on('error', () => {});
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('HELLO ')) hellos.push({ line, at: Date.now() });
          if (!line.startsWith('MSG ') || sock.destroyed) continue;
          msgs += 1;
          const seq = Number(line.split(' ')[1]);
          sock.write(`ACK ${seq} ${hellos.length === 1 && seq === 2 ? '0'.repeat(16) : payloadFor('ack', 'fake', 0, seq, 16)}\n`);
          if (hellos.length === 1 && msgs === 5) sock.resetAndDestroy();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const demoLog = path.join(dir, 'fake.log');
    try {
      const demo = run(demoJs, [
        '--connect',
        `127.0.0.1:${port}`,
        '--connections',
        '1',
        '--interval-ms',
        '10',
        '--payload-bytes',
        '16',
        '--client-id',
        'fake',
        '--log',
        demoLog,
        '--bind',
        '127.0.0.1',
      ]);
      await demo.waitLine(/^ready$/);
      const deadline = Date.now() + 5_000;
      while (hellos.length < 2 && Date.now() < deadline) await sleep(20);
      expect(hellos.map((h) => h.line)).toEqual(['HELLO fake 0', 'HELLO fake 0']);
      expect((hellos[1]?.at ?? 0) - (hellos[0]?.at ?? 0)).toBeGreaterThanOrEqual(200);
      await sleep(100);
      demo.child.kill('SIGTERM');
      expect(await demo.exited).toEqual({ code: 0, signal: null });
      const log = await readFile(demoLog, 'utf8');
      expect(log).toMatch(/ verify-failed conn=0 seq=2 reason="ACK 2 payload does not match"/);
      // Node's resetAndDestroy() sends an RST, except when the handle is still busy with the last write: then
      // the kernel closes in order and the demo sees a FIN (seen once in CI). Either way it must reconnect.
      expect(log).toMatch(/ disconnected conn=0 reason=(ECONNRESET|EPIPE|"fin from peer") sent=\d+ acked=\d+/);
      expect(log).toMatch(/ reconnected conn=0 /);
      expect(log).toMatch(/ summary connIndex=0 connects=2 reconnects=1 /);
      expect(log).toMatch(/ stopped signal=SIGTERM/);
    } finally {
      server.close();
    }
  });
});
