import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criuLockTables, splitNftTables } from './nft';

// `nft list ruleset` on lab-a right after `criu dump --tcp-established --network-lock nftables` (CRIU 4.2.1),
// with an unrelated table before it.
const ruleset = readFileSync(new URL('./fixtures/nft-ruleset-criu.txt', import.meta.url), 'utf8');

describe('nft ruleset', () => {
  it('splits the ruleset into whole tables', () => {
    const tables = splitNftTables(ruleset);
    expect(tables.map((t) => `${t.family} ${t.name}`)).toEqual(['inet filter', 'inet CRIU-0b469fbf-ca6f-4c87-86']);
    expect(tables[1]?.text.startsWith('table inet CRIU-0b469fbf-ca6f-4c87-86 {\n')).toBe(true);
    expect(tables[1]?.text.endsWith('\n}\n')).toBe(true);
    expect(tables[1]?.text).toContain('198.18.0.1 . 7000 . 198.18.0.100 . 49882');
  });

  it("keeps only CRIU's lock tables", () => {
    expect(criuLockTables(ruleset).map((t) => t.name)).toEqual(['CRIU-0b469fbf-ca6f-4c87-86']);
    expect(criuLockTables('')).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('produces text that nft itself accepts (checked with nft -c)', () => {
    const [table] = criuLockTables(ruleset);
    execFileSync('nft', ['-c', '-f', '-'], { input: table!.text });
  });
});
