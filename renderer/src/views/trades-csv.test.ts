import { describe, expect, it } from 'vitest';
import { tradesCsv } from './trades-csv';

describe('trades CSV', () => {
  it('writes one row per trade with ISO times, net P&L, quoted reasons and each feature', () => {
    const f = (...x: number[]): Float64Array => Float64Array.from(x);
    const csv = tradesCsv({
      symbol: ['ES', 'NQ'],
      side: ['long', 'short'],
      signalTime: f(Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)),
      entryTime: f(Date.UTC(2024, 0, 2, 14, 30), Date.UTC(2024, 0, 3, 14, 30)),
      entryPrice: f(4700.25, 16500),
      exitTime: f(Date.UTC(2024, 0, 4), Number.NaN),
      exitPrice: f(4710.5, Number.NaN),
      qty: f(1, 2),
      fees: f(2.5, 5),
      slippage: f(12.5, 0),
      pnl: f(512.5, -100),
      barsHeld: f(2, 1),
      mae: f(-50, -120),
      mfe: f(600, 10),
      entryReason: ['ibs 0.12 < 0.2', 'rsi, "oversold"'],
      exitReason: ['held 2 bars', 'end of data'],
      features: { ibs: f(0.12, 0.9) },
    });
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('symbol,side,signal_time,entry_time,entry_price,exit_time,exit_price,qty,pnl,fees,slippage,net_pnl,bars_held,mae,mfe,entry_reason,exit_reason,ibs');
    expect(lines[1]).toBe('ES,long,2024-01-02T00:00:00.000Z,2024-01-02T14:30:00.000Z,4700.25,2024-01-04T00:00:00.000Z,4710.5,1,512.5,2.5,12.5,510,2,-50,600,ibs 0.12 < 0.2,held 2 bars,0.12');
    expect(lines[2]).toBe('NQ,short,2024-01-03T00:00:00.000Z,2024-01-03T14:30:00.000Z,16500,,,2,-100,5,0,-105,1,-120,10,"rsi, ""oversold""",end of data,0.9');
    expect(lines).toHaveLength(3);
  });
});
