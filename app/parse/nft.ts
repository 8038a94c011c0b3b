// Splits `nft list ruleset` text into tables and picks out CRIU's network-lock tables.

/** One table of an nft ruleset, with its full text (re-loadable with `nft -f -`). */
export interface NftTable {
  family: string;
  name: string;
  text: string;
}

/** Splits ruleset text into its top-level tables. */
export function splitNftTables(ruleset: string): NftTable[] {
  const tables: NftTable[] = [];
  let current: { family: string; name: string; lines: string[] } | undefined;
  for (const line of ruleset.split('\n')) {
    const m = /^table\s+(\S+)\s+(\S+)\s*\{\s*$/.exec(line);
    if (m && m[1] && m[2]) {
      current = { family: m[1], name: m[2], lines: [line] };
      continue;
    }
    if (!current) continue;
    current.lines.push(line);
    if (line === '}') {
      tables.push({ family: current.family, name: current.name, text: `${current.lines.join('\n')}\n` });
      current = undefined;
    }
  }
  return tables;
}

/** CRIU's network-lock tables (`CRIU-<uuid>`, any family). */
export function criuLockTables(ruleset: string): NftTable[] {
  return splitNftTables(ruleset).filter((t) => /^CRIU-[0-9A-Za-z-]+$/.test(t.name));
}
