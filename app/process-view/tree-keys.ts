// The process tree's keyboard: which row a key selects, or which row it folds (WAI-ARIA tree pattern).
import type { TreeRow } from './tree-rows';

/** What a key does: select the row at `next`, fold/unfold the process `toggle`, or nothing (`handled: false`). */
export interface TreeKeyEffect {
  handled: boolean;
  next: number;
  toggle?: number;
}

/**
 * The effect of `key` on a tree whose active row is `index` (-1 for none) and which shows `pageRows` rows at once.
 * Right opens a closed node or moves down, Left closes an open node or moves to the parent, Enter/Space fold.
 */
export function treeKey(key: string, rows: readonly TreeRow[], index: number, pageRows: number): TreeKeyEffect {
  const cur = rows[index];
  const last = rows.length - 1;
  const at = (next: number, toggle?: number): TreeKeyEffect => ({ handled: true, next: Math.max(0, next), ...(toggle === undefined ? {} : { toggle }) });
  switch (key) {
    case 'ArrowDown':
      return at(Math.min(last, index + 1));
    case 'ArrowUp':
      return at(index - 1);
    case 'Home':
      return at(0);
    case 'End':
      return at(last);
    case 'PageDown':
      return at(Math.min(last, index + pageRows));
    case 'PageUp':
      return at(index - pageRows);
    case 'ArrowRight':
      return cur?.hasChildren && !cur.expanded ? at(index, cur.node.pid) : at(Math.min(last, index + 1));
    case 'ArrowLeft':
      if (cur?.hasChildren && cur.expanded) return at(index, cur.node.pid);
      return at(cur ? rows.findIndex((r) => r.node.pid === cur.node.ppid) : index);
    case 'Enter':
    case ' ':
      return cur?.hasChildren ? at(index, cur.node.pid) : at(index);
    default:
      return { handled: false, next: index };
  }
}
