// The process tree: virtualized rows (fast with thousands of processes), keyboard-operable, selection by PID.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
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

/** A tree of processes with one active row (aria-activedescendant), arrow keys to move, left/right to fold. */
export function ProcessTree({ host, rows, sockets, selectedPid, onSelect, onToggle }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);
  const index = rows.findIndex((r) => r.node.pid === selectedPid);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the selected row in view when it moves by keyboard (not on refreshes: the scroll position stays).
  const scrollTo = (i: number) => {
    const el = box.current;
    if (!el || i < 0) return;
    if (i * ROW < el.scrollTop) el.scrollTop = i * ROW;
    else if ((i + 1) * ROW > el.scrollTop + el.clientHeight) el.scrollTop = (i + 1) * ROW - el.clientHeight;
  };

  const onKey = (e: KeyboardEvent) => {
    const cur = rows[index];
    let next = index;
    switch (e.key) {
      case 'ArrowDown': next = Math.min(rows.length - 1, index + 1); break;
      case 'ArrowUp': next = Math.max(0, index - 1); break;
      case 'Home': next = 0; break;
      case 'End': next = rows.length - 1; break;
      case 'PageDown': next = Math.min(rows.length - 1, index + Math.floor(height / ROW)); break;
      case 'PageUp': next = Math.max(0, index - Math.floor(height / ROW)); break;
      case 'ArrowRight':
        if (cur?.hasChildren && !cur.expanded) onToggle(cur.node.pid);
        else next = Math.min(rows.length - 1, index + 1);
        break;
      case 'ArrowLeft':
        if (cur?.hasChildren && cur.expanded) onToggle(cur.node.pid);
        else if (cur) next = rows.findIndex((r) => r.node.pid === cur.node.ppid);
        break;
      case 'Enter':
      case ' ':
        if (cur?.hasChildren) onToggle(cur.node.pid);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (next < 0) next = 0;
    const row = rows[next];
    if (row && next !== index) {
      onSelect(row.node.pid);
      scrollTo(next);
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
        {rows.slice(first, last).map((r, i) => {
          const n = r.node;
          const count = sockets.get(n.pid)?.filter((s) => s.state !== 'LISTEN').length ?? 0;
          const listen = sockets.get(n.pid)?.filter((s) => s.state === 'LISTEN').length ?? 0;
          return (
            <div
              key={n.pid}
              id={`proc-${n.pid}`}
              role="treeitem"
              aria-level={r.depth + 1}
              aria-expanded={r.hasChildren ? r.expanded : undefined}
              aria-selected={n.pid === selectedPid}
              className={`tree-row${n.pid === selectedPid ? ' selected' : ''}${r.match ? ' match' : ''}`}
              style={{ top: (first + i) * ROW, height: ROW, paddingLeft: 8 + r.depth * 16 }}
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
        })}
      </div>
    </div>
  );
}
