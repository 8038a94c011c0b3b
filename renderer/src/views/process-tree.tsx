// The process tree: virtualized rows (fast with thousands of processes), keyboard-operable, selection by PID.
import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { treeKey } from '../../../app/process-view/tree-keys';
import type { TreeRow } from '../../../app/process-view/tree-rows';
import type { TcpSocket } from '../../../app/model/host';

const ROW = 28;
const OVERSCAN = 12;

interface Props {
  host: string;
  rows: TreeRow[];
  sockets: Map<number, TcpSocket[]>;
  selectedPid: number | undefined;
  onSelect(pid: number): void;
  onToggle(pid: number): void;
}

/** The box's height, followed as it resizes. */
function useHeight(box: RefObject<HTMLDivElement | null>, initial: number): number {
  const [height, setHeight] = useState(initial);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [box]);
  return height;
}

/** Scrolls the box just enough to show row `i` (used when the selection moves by keyboard, not on refreshes). */
function scrollRowIntoView(el: HTMLDivElement | null, i: number): void {
  if (!el || i < 0) return;
  if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
  else if ((i + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW - el.clientHeight;
}

/** One process: fold arrow, PID, name, command line and its connection counts. */
function ProcessRow({
  row: r,
  top,
  sockets,
  selected,
  onSelect,
  onToggle,
}: {
  row: TreeRow;
  top: number;
  sockets: TcpSocket[] | undefined;
  selected: boolean;
  onSelect(pid: number): void;
  onToggle(pid: number): void;
}) {
  const n = r.node;
  const count = sockets?.filter((s) => s.state !== 'LISTEN').length ?? 0;
  const listen = sockets?.filter((s) => s.state === 'LISTEN').length ?? 0;
  return (
    <div
      id={`proc-${n.pid}`}
      role="treeitem"
      aria-level={r.depth + 1}
      aria-expanded={r.hasChildren ? r.expanded : undefined}
      aria-selected={selected}
      className={`tree-row${selected ? ' selected' : ''}${r.match ? ' match' : ''}`}
      style={{ top, height: ROW, paddingLeft: 8 + r.depth * 16 }}
      onClick={() => onSelect(n.pid)}
    >
      <span
        className="twisty"
        aria-hidden="true"
        onClick={(e) => {
          e.stopPropagation();
          if (r.hasChildren) onToggle(n.pid);
        }}
      >
        {r.hasChildren ? (r.expanded ? '▾' : '▸') : ''}
      </span>
      <span className="pid">{n.pid}</span>
      <span className="comm">{n.comm}</span>
      <span className="args">{n.args}</span>
      {count > 0 && <span className="badge ok">{count} TCP</span>}
      {listen > 0 && <span className="badge">{listen} listening</span>}
    </div>
  );
}

/** A tree of processes with one active row (aria-activedescendant), arrow keys to move, left/right to fold. */
export function ProcessTree({ host, rows, sockets, selectedPid, onSelect, onToggle }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = useHeight(box, 480);
  const index = rows.findIndex((r) => r.node.pid === selectedPid);

  const onKey = (e: KeyboardEvent) => {
    const effect = treeKey(e.key, rows, index, Math.floor(height / ROW));
    if (!effect.handled) return;
    e.preventDefault();
    if (effect.toggle !== undefined) onToggle(effect.toggle);
    const row = rows[effect.next];
    if (row && effect.next !== index) {
      onSelect(row.node.pid);
      scrollRowIntoView(box.current, effect.next);
    }
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const active = rows[index];

  return (
    <div
      ref={box}
      className="tree"
      role="tree"
      aria-label={`Process tree of ${host}`}
      tabIndex={0}
      aria-activedescendant={active ? `proc-${active.node.pid}` : undefined}
      onKeyDown={onKey}
      onFocus={() => {
        if (index < 0 && rows[0]) onSelect(rows[0].node.pid);
      }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: rows.length * ROW, position: 'relative' }}>
        {rows.slice(first, last).map((r, i) => (
          <ProcessRow
            key={r.node.pid}
            row={r}
            top={(first + i) * ROW}
            sockets={sockets.get(r.node.pid)}
            selected={r.node.pid === selectedPid}
            onSelect={onSelect}
            onToggle={onToggle}
          />
        ))}
      </div>
    </div>
  );
}
