import { describe, expect, it } from 'vitest';
import { TripMonitor } from './trips';

const MIN = 60_000;

describe('automatic killswitch trips', () => {
  it('trips on the day’s loss from the day’s first equity, and starts counting again on a new day', () => {
    const m = new TripMonitor({ dailyLoss: 500 });
    expect(m.equity(1, 10_000)).toBeNull();
    expect(m.equity(1, 9_600)).toBeNull();
    expect(m.equity(1, 9_500)).toBe('daily loss 500.00 reached the limit of 500');
    // The next day starts from where the last one ended.
    expect(m.equity(2, 9_400)).toBeNull();
    expect(m.equity(2, 9_000)).toBeNull();
    expect(m.equity(2, 8_900)).toBe('daily loss 500.00 reached the limit of 500');
  });

  it('trips on the drawdown from the highest equity seen, across days', () => {
    const m = new TripMonitor({ maxDrawdown: 0.1 });
    expect(m.equity(1, 100)).toBeNull();
    expect(m.equity(1, 120)).toBeNull();
    expect(m.equity(2, 109)).toBeNull();
    expect(m.equity(3, 108)).toMatch(/^drawdown 10\.00% from the peak equity 120\.00 reached the limit of 10\.00%$/);
    expect(m.readings(108, 0).drawdown).toBeCloseTo(0.1, 12);
  });

  it('trips when more orders than the limit fall within one minute of feed time, and not when they spread out', () => {
    const m = new TripMonitor({ maxOrdersPerMinute: 3 });
    for (const t of [0, 10_000, 20_000]) expect(m.order(t)).toBeNull();
    // The first order has left the window by the time of the fourth.
    expect(m.order(MIN)).toBeNull();
    expect(m.order(MIN + 1)).toBe('4 orders within a minute, beyond the limit of 3');
    expect(m.readings(0, MIN + 1).ordersLastMinute).toBe(4);
  });

  it('trips on a burst of errors within a minute, naming the last one', () => {
    const m = new TripMonitor({ maxErrorsPerMinute: 3 });
    expect(m.error(0, 'bad bar')).toBeNull();
    expect(m.error(2 * MIN, 'bad bar')).toBeNull();
    expect(m.error(2 * MIN + 5, 'strategy threw')).toBeNull();
    expect(m.error(2 * MIN + 9, 'NaN close')).toBe('3 errors within a minute (the last: NaN close), at the limit of 3');
  });

  it('calls a feed stale after the set number of silent bar intervals', () => {
    const m = new TripMonitor({ staleBars: 3 });
    expect(m.stale(179_999, MIN)).toBeNull();
    expect(m.stale(180_000, MIN)).toBe('no bar for 180.0 s (3 intervals of 60 s): the feed is stale');
  });

  it('watches nothing it was not given a limit for', () => {
    const m = new TripMonitor({});
    expect(m.equity(1, 100)).toBeNull();
    expect(m.equity(1, 1)).toBeNull();
    for (let i = 0; i < 1000; i++) expect(m.order(i) ?? m.error(i, 'x')).toBeNull();
    expect(m.stale(1e12, MIN)).toBeNull();
    expect(m.readings(50, 0)).toEqual({ dayPnl: -50, drawdown: 0.5, ordersLastMinute: 1000 });
  });
});
