import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WitnessReport } from '../../app/model/witness';
import { WitnessClientStream } from '../../app/lab/witness-client';
import { WitnessServer } from './witness-server';

describe('WitnessServer in-process', () => {
  it('answers a client, reports it, and keeps it open in the final report', async () => {
    const server = new WitnessServer({ listen: [{ host: '127.0.0.1', port: 0 }], helloTimeoutMs: 100 });
    const [addr] = await server.start();
    const port = Number(addr?.split(':')[1]);
    const stream = new WitnessClientStream('inproc', 0, 24);
    const sock = net.connect({ host: '127.0.0.1', port });
    const silent = net.connect({ host: '127.0.0.1', port });
    try {
      sock.setEncoding('latin1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      const acked = new Promise<void>((resolve, reject) => {
        sock.on('data', (chunk: string) => {
          const failures = stream.onData(chunk);
          if (failures.length) reject(new Error(failures[0]?.reason));
          if (stream.ackedCount === 3) resolve();
        });
      });
      sock.write(stream.hello() + stream.nextMessage(Date.now()) + stream.nextMessage(Date.now()) + stream.nextMessage(Date.now()));
      await acked;
      await new Promise((r) => setTimeout(r, 150));
      const r = server.report();
      expect(r.listen).toEqual([addr]);
      const c = r.connections.find((x) => x.clientId === 'inproc');
      expect(c).toMatchObject({ protocol: 'witness', intact: true, messages: 3, lastSeq: 3, closeReason: 'open' });
      expect(r.connections.find((x) => x.clientId === undefined)).toMatchObject({ protocol: 'raw', intact: null, bytesIn: 0 });
      expect(Object.keys(c ?? {}).slice(0, 4)).toEqual(['id', 'protocol', 'clientId', 'connIndex']);
    } finally {
      await server.close();
      sock.destroy();
      silent.destroy();
    }
  });

  it('rewrites its state file in slices: requests during a rewrite make one more, with what arrived meanwhile', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-witness-'));
    const stateFile = path.join(dir, 'witness.json');
    const server = new WitnessServer({ listen: [{ host: '127.0.0.1', port: 0 }], stateFile, writeIntervalMs: 60_000 });
    const [addr] = await server.start();
    const port = Number(addr?.split(':')[1]);
    const stream = new WitnessClientStream('sliced', 0, 24);
    const sock = net.connect({ host: '127.0.0.1', port });
    try {
      sock.setEncoding('latin1');
      await new Promise<void>((r) => sock.once('connect', () => r()));
      let acked = 0;
      const ackedNow = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => (stream.ackedCount >= n ? resolve() : undefined);
          sock.on('data', (chunk: string) => {
            stream.onData(chunk);
            check();
          });
          check();
        });
      sock.write(stream.hello() + stream.nextMessage(Date.now()));
      await ackedNow((acked = 1));
      const first = server.requestWrite();
      sock.write(stream.nextMessage(Date.now()) + stream.nextMessage(Date.now()));
      await ackedNow((acked = 3));
      // Still writing (one more rewrite follows) or done (a new one starts): either way the file ends up current.
      await Promise.all([first, server.requestWrite()]);
      const r = JSON.parse(readFileSync(stateFile, 'utf8')) as WitnessReport;
      expect(r.connections.find((c) => c.clientId === 'sliced')).toMatchObject({ messages: acked, lastSeq: 3, intact: true, closeReason: 'open' });
      expect(r.totals).toMatchObject({ connections: 1, open: 1 });
    } finally {
      await server.close();
      sock.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
