import type { TradeColumns } from '../../../core/common/backtest/types';

const cell = (x: string | number): string => {
  const s = typeof x === 'number' ? (Number.isFinite(x) ? String(x) : '') : x;
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

/** A run's trades as CSV: one row per trade, times in ISO UTC, net P&L beside the gross, then each feature at the signal bar. */
export function tradesCsv(t: TradeColumns): string {
  const feats = Object.keys(t.features);
  const head = ['symbol', 'side', 'signal_time', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'qty', 'pnl', 'fees', 'slippage', 'net_pnl', 'bars_held', 'mae', 'mfe', 'entry_reason', 'exit_reason', ...feats];
  const rows = t.symbol.map((symbol, i) =>
    [symbol, t.side[i]!, iso(t.signalTime[i]!), iso(t.entryTime[i]!), t.entryPrice[i]!, iso(t.exitTime[i]!), t.exitPrice[i]!, t.qty[i]!, t.pnl[i]!, t.fees[i]!, t.slippage[i]!, t.pnl[i]! - t.fees[i]!, t.barsHeld[i]!, t.mae[i]!, t.mfe[i]!, t.entryReason[i]!, t.exitReason[i]!, ...feats.map((f) => t.features[f]![i]!)]
      .map(cell)
      .join(','),
  );
  return [head.join(','), ...rows].join('\n') + '\n';
}
