/** Fees and slippage, applied alike by the backtester and the paper broker. */
export interface CostModel {
  /** Commission per contract (or share) per fill. */
  commissionPerContract: number;
  /** Commission in basis points of the filled notional. */
  commissionBps: number;
  /** Smallest commission charged per fill. */
  minCommission: number;
  /** Slippage in ticks against the order, on market and stop fills. */
  slippageTicks: number;
  /** Slippage in basis points of the price, on market and stop fills. */
  slippageBps: number;
  /** Slippage as a fraction of the fill bar's range (high − low), on market and stop fills. */
  slippageRangeFraction: number;
  /** At most this fraction of a bar's volume fills per bar (0: no cap); the rest waits for the next bar. */
  participation: number;
}

/** Commission of one fill of `qty` contracts worth `notional` (in currency). */
export function commissionOf(costs: CostModel, qty: number, notional: number): number {
  return Math.max(costs.minCommission, qty * costs.commissionPerContract + (notional * costs.commissionBps) / 1e4);
}

/** Slippage per contract, in price, of a market or stop fill at `price` on a bar from `low` to `high`. */
export function slippageOf(costs: CostModel, tickSize: number, price: number, high: number, low: number): number {
  return costs.slippageTicks * tickSize + (price * costs.slippageBps) / 1e4 + costs.slippageRangeFraction * (high - low);
}
