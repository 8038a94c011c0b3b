// Where CRIU images may live on the hosts (`--image-base`): never in the system's own folders, never where
// another user could swap or pre-create what Ferry restores as root. The text is checked here (pure); the
// folder as it really is on each host (symlinks, owners, modes) by the one command in main/engine/prepare-hosts.ts,
// which gets these lists as arguments.
import { FerryError } from '../errors';

/** The default image base. */
export const DEFAULT_IMAGE_BASE = '/var/lib/ferry/images';

/** Folders whose whole tree is the system's (or a kernel's pseudo file system): nothing of Ferry's goes there. */
export const SYSTEM_TREES = ['/etc', '/usr', '/bin', '/sbin', '/boot', '/proc', '/sys', '/dev', '/lib', '/lib32', '/lib64', '/libx32'] as const;

/** Shared folders that may hold an image folder below them, but are not one themselves. */
export const SHARED_ROOTS = [
  '/',
  '/var',
  '/var/lib',
  '/var/tmp',
  '/var/cache',
  '/var/log',
  '/tmp',
  '/run',
  '/home',
  '/root',
  '/opt',
  '/srv',
  '/mnt',
  '/media',
] as const;

/** True when `p` is `root` or inside it. */
function within(p: string, root: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}

/** Why `base` cannot be an image base (text only: absolute, normalized, outside the system's folders), or undefined. */
export function imageBaseProblem(base: string): string | undefined {
  if (!/^\/[A-Za-z0-9_./+-]{0,200}$/.test(base)) return 'it must be an absolute path of letters, digits and ._+-/';
  const parts = base.split('/').slice(1);
  if (parts.some((p) => p === '..' || p === '.')) return 'it must not contain . or .. components';
  if (base !== '/' && parts.some((p) => p === '')) return 'it must not contain // or end in /';
  const tree = SYSTEM_TREES.find((t) => within(base, t)) ?? (/^\/lib[^/]*(\/|$)/.test(base) ? '/lib*' : undefined);
  if (tree) return `it is inside ${tree}, a system folder`;
  if ((SHARED_ROOTS as readonly string[]).includes(base))
    return `${base} is a shared system folder: name a folder of Ferry's own below it (default ${DEFAULT_IMAGE_BASE})`;
  return undefined;
}

/** The text with its trailing slashes dropped (but `/` stays `/`). */
export function normalizeImageBase(text: string): string {
  return text.length > 1 ? text.replace(/\/+$/, '') : text;
}

/** The image base, checked (BAD_INPUT naming what is wrong); a trailing slash is dropped first. */
export function parseImageBase(text: string): string {
  const base = normalizeImageBase(text);
  const why = imageBaseProblem(base);
  if (why)
    throw new FerryError({ code: 'BAD_INPUT', message: `--image-base ${JSON.stringify(text)} refused: ${why}`, hint: `the default is ${DEFAULT_IMAGE_BASE}` });
  return base;
}
