// Removes secrets (registered values, tokens in URLs, passwords in options and headers, private keys) from
// strings and from objects before they are written to records, logs or exports.

/** What a removed secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not registered: replacing them everywhere would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();

/** Registers a secret value (passphrase, sudo password, token) to be removed from everything redacted. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Forgets a registered secret (tests, a token that was rotated). */
export function forgetSecret(value: string): void {
  secrets.delete(value);
}

const SECRET_WORDS =
  'token|access_token|refresh_token|id_token|password|passwd|pass|pwd|passphrase|secret|client_secret|api[_-]?key|apikey|auth|sig|signature|session|sessionid|ferry-token';

/** Patterns of secrets that need no registration; each keeps its first group and replaces the rest. */
const PATTERNS: RegExp[] = [
  // Query or fragment parameters: ?token=…, &password=…
  new RegExp(`([?&#;](?:${SECRET_WORDS})=)[^&#\\s"'<>]*`, 'gi'),
  // user:password@ in URLs.
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+(?=@)/gi,
  // HTTP headers and cookies.
  /(\bauthorization\s*[:=]\s*(?:bearer|basic|token)?\s*)[^\s"',;]+/gi,
  /(\b(?:cookie|set-cookie)\s*:\s*[^=\s;]+=)[^\s;"']+/gi,
  // Command-line options and assignments: --password=x, --token x, PASSWORD=x, "passphrase": "x".
  new RegExp(`((?<=^|[\\s"'])--?(?:${SECRET_WORDS})(?:=|\\s+))(?!-)[^\\s"']+`, 'gi'),
  new RegExp(`(\\b[A-Z0-9_]*(?:PASSWORD|PASSPHRASE|SECRET|TOKEN|API_KEY)[A-Z0-9_]*=)[^\\s"']+`, 'g'),
  new RegExp(`("(?:${SECRET_WORDS}|sudoPassword)"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(?=")`, 'gi'),
];

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

/** Object keys whose values are secrets whatever they contain. */
const SECRET_KEY =
  /^(?:password|passwd|passphrase|secret|token|accesstoken|refreshtoken|apikey|api_key|authorization|cookie|privatekey|private_key|sudopassword|clientsecret)$|(?:password|passphrase|secret|token)$/i;

/** True when an object key names a secret (`password`, `sudoPassword`, `apiKey`, `token`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** The text with every registered secret and every secret-looking pattern replaced by REDACTED. */
export function redactText(text: string, extraSecrets: readonly string[] = []): string {
  if (typeof text !== 'string' || text === '') return text;
  let out = text;
  const all = [...secrets, ...extraSecrets.filter((s) => s.length >= MIN_SECRET_LENGTH)].sort((a, b) => b.length - a.length);
  for (const s of all) if (out.includes(s)) out = out.split(s).join(REDACTED);
  out = out.replace(PRIVATE_KEY, (_m, kind: string) => `-----BEGIN ${kind}PRIVATE KEY----- ${REDACTED}`);
  for (const re of PATTERNS) out = out.replace(re, (_m, keep: string) => `${keep}${REDACTED}`);
  return out;
}

/**
 * A deep copy of `value` with every string redacted and the values of secret keys replaced; numbers,
 * booleans and null are kept, cycles are cut, class instances become plain objects (as JSON would).
 */
export function redactValue<T>(value: T, extraSecrets: readonly string[] = []): T {
  const seen = new WeakMap<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(v, extraSecrets);
    if (v === null || typeof v !== 'object') return v;
    const cached = seen.get(v);
    if (cached !== undefined) return cached;
    if (Array.isArray(v)) {
      const arr: unknown[] = [];
      seen.set(v, arr);
      for (const item of v) arr.push(walk(item));
      return arr;
    }
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return walk((v as { toJSON(): unknown }).toJSON());
    const obj: Record<string, unknown> = {};
    seen.set(v, obj);
    for (const [k, item] of Object.entries(v)) {
      obj[k] = isSecretKey(k) && item !== null && item !== undefined && item !== '' ? REDACTED : walk(item);
    }
    return obj;
  };
  return walk(value) as T;
}
