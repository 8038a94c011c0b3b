// The host probe's brief-sockets filter (BRIEF_SS_FILTER, perl on the host) on captured ss output: what the brief
// parse reads from the filtered text is what it reads from ss's own, in fewer bytes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSs } from '../../app/parse/ss';
import { BRIEF_SS_FILTER } from './host-probe';

const fixture = (name: string) => readFileSync(new URL(`../../app/parse/fixtures/${name}`, import.meta.url), 'utf8');
const filter = (text: string) => execFileSync('perl', ['-e', BRIEF_SS_FILTER], { input: text, encoding: 'utf8' });

describe('BRIEF_SS_FILTER', () => {
  // ss-tinpHOa: owners named with quotes, commas, spaces and parentheses; -retrans: a name with a newline (its
  // continuation line passes squeezed only); the lab capture: ss's own padding squeezed.
  // The largest share of ss's bytes left: every socket of -retrans has its owner's name on two lines.
  it.each([
    ['ss-tinpHOa.txt', 0.7],
    ['ss-tinpHOa-retrans.txt', 1],
    ['ss-tinpHO.txt', 0.7],
    ['ss-tainpHO-squeezed.txt', 0.5],
  ])('%s: the same brief sockets, fewer bytes', (name, share) => {
    const text = fixture(name);
    const out = filter(text);
    const want = parseSs(text, { brief: true });
    expect(want.length).toBeGreaterThan(0);
    expect(parseSs(out, { brief: true })).toEqual(want);
    expect(out.length).toBeLessThanOrEqual(text.length * share);
  });

  it('keeps only the figures the views read after the owners', () => {
    const out = filter(fixture('ss-tainpHO-squeezed.txt')).split('\n');
    expect(out[2]).toBe('ESTAB 0 0 127.0.0.1:59509 127.0.0.1:54074 users:(("python3",pid=6793,fd=725)) rto:200 rtt:0.006/0.003 cwnd:10');
    expect(out[0]).toBe('LISTEN 0 128 198.18.0.2:22 0.0.0.0:* users:(("sshd",pid=2,fd=3)) cwnd:10');
  });
});
