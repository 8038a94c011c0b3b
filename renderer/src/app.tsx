// The shell: header with the view tabs and the theme switch, then the current view.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { ErrorNote } from './components/error-note';
import { RecoveryNote } from './components/recovery-note';
import { useStore } from './store/store';
import type { ViewName } from './store/types';
import { HostsView } from './views/hosts-view';
import { MigrateView } from './views/migrate-view';
import { ProcessesView } from './views/processes-view';
import { ReviewView } from './views/review-view';

const VIEWS: { name: ViewName; label: string }[] = [
  { name: 'hosts', label: 'Hosts' },
  { name: 'processes', label: 'Processes' },
  { name: 'migrate', label: 'Migrate' },
  { name: 'review', label: 'Review' },
];

/** The whole dashboard. */
export function App() {
  const view = useStore((s) => s.view);
  const setView = useStore((s) => s.setView);
  const theme = useStore((s) => s.theme);
  const setTheme = useStore((s) => s.setTheme);
  const disconnected = useStore((s) => s.disconnected);
  const info = useStore((s) => s.info);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  const onTabKey = (e: KeyboardEvent, i: number) => {
    const n = VIEWS.length;
    const next = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i + n - 1) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    setView(VIEWS[next]!.name);
    tabs.current[next]?.focus();
  };

  return (
    <div className="shell">
      <header className="topbar">
        <h1 className="brand">Ferry</h1>
        <div role="tablist" aria-label="Views" className="tabs">
          {VIEWS.map((v, i) => (
            <button
              key={v.name}
              ref={(el) => {
                tabs.current[i] = el;
              }}
              role="tab"
              id={`tab-${v.name}`}
              aria-selected={view === v.name}
              aria-controls={`panel-${v.name}`}
              tabIndex={view === v.name ? 0 : -1}
              onClick={() => setView(v.name)}
              onKeyDown={(e) => onTabKey(e, i)}
            >
              {v.label}
            </button>
          ))}
        </div>
        <span className="muted small">{info ? `lab "${info.lab.name}" ${info.lab.up ? 'up' : 'down'} · v${info.version}` : ''}</span>
        <button type="button" className="ghost" aria-pressed={theme === 'dark'} onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
          Dark theme
        </button>
      </header>
      {disconnected && (
        <ErrorNote
          error={{
            code: 'HOST_UNREACHABLE',
            message: 'Not connected to Ferry.',
            hint: "Open the URL `ferry dashboard` printed (it carries this start's token); if it stopped, start it again and open the new URL.",
          }}
        />
      )}
      {info && <RecoveryNote recovery={info.recovery} />}
      <main id={`panel-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`} className="panel">
        {view === 'hosts' && <HostsView />}
        {view === 'processes' && <ProcessesView />}
        {view === 'migrate' && <MigrateView />}
        {view === 'review' && <ReviewView />}
      </main>
    </div>
  );
}
