import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { handle } from '../../test/renderer/page-backend';
import { appInfo, hostList } from '../../test/renderer/fixtures';
import { App } from './app';
import { useStore } from './store/store';

describe('the dashboard shell', () => {
  it('moves between the views with the arrow keys, Home and End (one tab in the tab order)', async () => {
    handle({ 'hosts:list': async () => hostList([]), 'history:list': async () => [] });
    render(<App />);
    const tab = (name: string) => screen.getByRole('tab', { name });
    expect(tab('Hosts').getAttribute('aria-selected')).toBe('true');
    expect(screen.getAllByRole('tab').filter((t) => t.tabIndex === 0)).toEqual([tab('Hosts')]);
    act(() => tab('Hosts').focus());
    await userEvent.keyboard('{ArrowRight}');
    expect(useStore.getState().view).toBe('processes');
    expect(document.activeElement).toBe(tab('Processes'));
    await userEvent.keyboard('{End}');
    expect(useStore.getState().view).toBe('review');
    await userEvent.keyboard('{ArrowRight}');
    expect(useStore.getState().view).toBe('hosts');
    await userEvent.keyboard('{ArrowLeft}{Home}');
    expect(useStore.getState().view).toBe('hosts');
    expect(screen.getByRole('tabpanel').id).toBe('panel-hosts');
  });

  it('says when it lost main, and how to get back', () => {
    useStore.setState({ disconnected: true, info: appInfo({ name: 'h13tidy', up: false }) });
    render(<App />);
    expect(screen.getAllByRole('alert')[0]!.textContent).toContain('Not connected to Ferry.');
    expect(screen.getByText('lab "h13tidy" down · v0.1.0')).toBeTruthy();
  });

  it("the theme switch sets the page's theme and remembers it", async () => {
    useStore.setState({ theme: 'light' });
    render(<App />);
    await userEvent.click(screen.getByRole('button', { name: 'Dark theme' }));
    expect(document.documentElement.dataset['theme']).toBe('dark');
    expect(localStorage.getItem('ferry-theme')).toBe('dark');
    expect(screen.getByRole('button', { name: 'Dark theme' }).getAttribute('aria-pressed')).toBe('true');
  });
});
