import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countdownAt } from '../../../app/countdown/freeze-countdown';
import { remoteSchedule } from '../../../app/countdown/rto-schedule';
import { fourTupleKey } from '../../../app/model/host';
import { estab } from '../../../test/renderer/fixtures';
import { CountdownChart } from './countdown-chart';

const T0 = Date.UTC(2026, 11, 1, 12);
const conns = [estab(20, 40001), estab(20, 40002)];
const meter = () => screen.getByRole('meter', { name: 'Freeze time against budget' });
const elapsed = () => Number(meter().getAttribute('data-elapsed-ms'));
const advance = (ms: number) => act(() => vi.advanceTimersByTime(ms));
const figure = (label: string) => screen.getByText(label).nextElementSibling?.textContent;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

describe('freeze countdown', () => {
  it('waits before the freeze: nothing elapsed, the whole budget left', () => {
    render(<CountdownChart connections={conns} budgetMs={2000} clockOffsetMs={0} />);
    expect(meter().getAttribute('data-state')).toBe('idle');
    expect(elapsed()).toBe(0);
    expect(figure('Budget left')).toBe('2.00 s');
    expect(screen.getByText('Freeze (not frozen yet)')).toBeTruthy();
  });

  it("ticks while frozen, counts the peers' retransmissions, and turns red past the budget", () => {
    render(<CountdownChart connections={conns} budgetMs={1000} freeze={{ startedAt: T0 }} clockOffsetMs={0} />);
    advance(300);
    expect(meter().getAttribute('data-state')).toBe('frozen');
    expect(elapsed()).toBeGreaterThanOrEqual(250);
    expect(elapsed()).toBeLessThanOrEqual(300);
    advance(1200);
    expect(elapsed()).toBe(1500);
    const schedule = remoteSchedule(fourTupleKey(conns[0]!), conns[0]!);
    const expected = countdownAt(1500, 1000, [schedule]);
    expect(expected.connections[0]!.retransmitted).toBeGreaterThan(0);
    expect(figure('Retransmissions into the silence')).toBe(String(expected.connections[0]!.retransmitted));
    expect(figure('Budget left')).toBe('0 ms');
    expect(screen.getByText('1.50 s').className).toContain('bad');
    expect(meter().querySelector('.meter-fill')?.className).toContain('over-budget');
    expect(meter().getAttribute('aria-valuenow')).toBe('1000');
  });

  it("counts on the server's clock, and never backwards when the offset estimate drops", () => {
    const offset = 10_000;
    const { rerender } = render(<CountdownChart connections={conns} budgetMs={5000} freeze={{ startedAt: T0 + offset }} clockOffsetMs={offset} />);
    advance(500);
    expect(elapsed()).toBe(500);
    rerender(<CountdownChart connections={conns} budgetMs={5000} freeze={{ startedAt: T0 + offset }} clockOffsetMs={offset - 400} />);
    advance(100);
    expect(elapsed()).toBeGreaterThanOrEqual(500);
  });

  it('stops at the measured window once resumed', () => {
    const { rerender } = render(<CountdownChart connections={conns} budgetMs={5000} freeze={{ startedAt: T0 }} clockOffsetMs={0} />);
    advance(400);
    rerender(<CountdownChart connections={conns} budgetMs={5000} freeze={{ startedAt: T0, endedAt: T0 + 37, ms: 37 }} clockOffsetMs={0} />);
    expect(meter().getAttribute('data-state')).toBe('resumed');
    expect(elapsed()).toBe(37);
    advance(1000);
    expect(elapsed()).toBe(37);
    expect(screen.getByText('Freeze (resumed)')).toBeTruthy();
  });

  it('without an established connection, counts against the budget only', () => {
    render(<CountdownChart connections={[]} budgetMs={5000} clockOffsetMs={0} />);
    expect(screen.getByText(/No established connection/)).toBeTruthy();
    expect(figure('Retransmissions into the silence')).toBe('–');
  });
});
