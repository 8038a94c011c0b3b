// OpenSSH host patterns (`*`, `?`, `!negation`), as used by ssh_config Host lines and known_hosts.

/** True when `text` matches the glob `pattern` (`*` any run, `?` one character); case-insensitive by default. */
export function matchPattern(pattern: string, text: string, ignoreCase = true): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === '*') {
      starP = pi++;
      starT = ti;
    } else if (pc !== undefined && (pc === '?' || pc === t[ti])) {
      pi++;
      ti++;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * Matches a list of patterns the OpenSSH way: true when some positive pattern matches
 * and no `!negated` pattern does.
 */
export function matchPatternList(patterns: readonly string[], text: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(pattern, text)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** True when a pattern names exactly one host (no wildcards, not negated). */
export function isConcretePattern(pattern: string): boolean {
  return pattern.length > 0 && !/[*?!]/.test(pattern);
}
