// The freeze's parts as the prediction names them: app/review/freeze-parts.ts's names, folded so that prediction and
// measurement line up (CRIU's sub-parts of the dump and of the restore become one part each; the two ways the small
// images travel keep their names).
import type { FreezePart } from '../model/migration';

export const PART = {
  lock: 'source: connections locked',
  dump: 'criu dump',
  addressRemoved: 'source: address removed',
  imagesDirect: 'images to the destination',
  imagesController: 'images through the controller',
  lazyDaemon: 'lazy-pages daemon start',
  addressAdded: 'destination: address added',
  restore: 'criu restore',
  signals: 'signals (controller ↔ hosts)',
} as const;

/** The predicted part a measured part counts towards (its own name when no fold applies: e.g. an address hook). */
export function foldPartName(name: string): string {
  if (name.startsWith(PART.dump)) return PART.dump;
  if (name.startsWith(PART.restore)) return PART.restore;
  return name;
}

/** The measured parts folded into the prediction's names, in their order of first appearance. */
export function foldParts(parts: readonly Pick<FreezePart, 'name' | 'ms'>[]): { name: string; ms: number }[] {
  const out: { name: string; ms: number }[] = [];
  for (const p of parts) {
    const name = foldPartName(p.name);
    const have = out.find((o) => o.name === name);
    if (have) have.ms = round(have.ms + p.ms);
    else out.push({ name, ms: p.ms });
  }
  return out;
}

const round = (n: number) => Math.round(n * 10) / 10;
