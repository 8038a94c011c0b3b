// UI-only state: the current view, the theme, the controller's info and the connection state.
import { api } from '../api/client';
import type { SliceCreator, Theme, UiSlice } from './types';

function initialTheme(): Theme {
  const saved = localStorage.getItem('ferry-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => ({
  view: 'hosts',
  theme: initialTheme(),
  disconnected: false,
  setView: (view) => set({ view }),
  setTheme(theme) {
    localStorage.setItem('ferry-theme', theme);
    set({ theme });
  },
  async loadInfo() {
    const r = await api.request('app:info', {});
    if (!r.ok) return;
    set({ info: r.value });
    // Recovery runs in the background at start: follow it until it is done.
    if (r.value.recovery.running) setTimeout(() => void get().loadInfo(), 2000);
  },
});
