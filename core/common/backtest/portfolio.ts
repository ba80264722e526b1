import { TRADING_DAYS, covariance, drawdown, stdev } from './metrics';

const DAY_MS = 86_400_000;

/** One candidate instrument: its trades from a backtest (times in epoch ms, net P&L after fees). */
export interface Candidate {
  /** Name in the portfolio (the symbol, or symbol@run when two runs trade one symbol). */
  name: string;
  entry: Float64Array;
  exit: Float64Array;
  net: Float64Array;
}

/** What the greedy search maximises on the training period. */
export type PortfolioObjective = 'sharpe' | 'cagr_over_maxdd';

/** Options of a search. */
export interface PortfolioOptions {
  objective: PortfolioObjective;
  /** Trades entered before this time train the selection; the rest test it. */
  split: number;
  capital: number;
  /** Values of max concurrent positions to try (default 1 … number of candidates). */
  maxPositions?: number[];
  /** Skip a candidate whose daily P&L correlates above this with one already chosen. */
  correlationLimit?: number;
  /** Risk limit: no addition may take the training period's drawdown beyond this fraction. */
  maxDrawdown?: number;
}

/** One addition of the search. */
export interface PortfolioStep {
  added: string;
  /** The objective on the training period after adding it. */
  train: number;
  /** The same portfolio's objective on the test period (for the record; never used to choose). */
  test: number;
}

/** The outcome of a search. */
export interface PortfolioResult {
  objective: PortfolioObjective;
  split: number;
  /** The instruments chosen, in the order they were added. */
  chosen: string[];
  maxPositions: number;
  /** The steps for the chosen maxPositions. */
  steps: PortfolioStep[];
  /** Best training objective for every maxPositions tried. */
  byMaxPositions: { maxPositions: number; train: number; chosen: string[] }[];
  /** Objective of the chosen portfolio on each period. */
  train: number;
  test: number;
  /** Candidates left out for correlating too closely with a chosen one. */
  skippedForCorrelation: string[];
  /** Candidates left out because adding them broke the drawdown limit on training. */
  skippedForRisk: string[];
  /** Daily P&L correlations among the chosen instruments. */
  correlation: number[][];
  /** Share of the chosen portfolio's training net P&L from each instrument. */
  contribution: Record<string, number>;
}

/**
 * The trades a portfolio takes: every candidate's trades in entry order, skipping one that would
 * make more than `maxPositions` open at once (a trade holds its slot from entry to exit). Returns
 * per-trade candidate index and acceptance.
 */
function accepted(cands: Candidate[], chosen: number[], maxPositions: number): { cand: number; trade: number }[] {
  const all: { cand: number; trade: number; entry: number; exit: number }[] = [];
  for (const c of chosen) for (let i = 0; i < cands[c]!.entry.length; i++) all.push({ cand: c, trade: i, entry: cands[c]!.entry[i]!, exit: cands[c]!.exit[i]! });
  all.sort((a, b) => a.entry - b.entry || a.cand - b.cand);
  const open: number[] = [];
  const out: { cand: number; trade: number }[] = [];
  for (const t of all) {
    for (let k = open.length - 1; k >= 0; k--) if (open[k]! <= t.entry) open.splice(k, 1);
    if (open.length >= maxPositions) continue;
    open.push(t.exit);
    out.push({ cand: t.cand, trade: t.trade });
  }
  return out;
}

/** The objective of daily net P&L (realised at each trade's exit day) on shared capital. */
function objectiveOf(pnlByDay: Map<number, number>, capital: number, objective: PortfolioObjective): number {
  const days = [...pnlByDay.keys()].sort((a, b) => a - b);
  if (days.length < 2) return Number.NEGATIVE_INFINITY;
  // Every calendar weekday between the first and last day counts, so quiet days weigh in.
  const returns: number[] = [];
  const t: number[] = [];
  const v: number[] = [];
  let equity = capital;
  for (let d = days[0]!; d <= days[days.length - 1]!; d++) {
    const wd = new Date(d * DAY_MS).getUTCDay();
    const p = pnlByDay.get(d) ?? 0;
    if ((wd === 0 || wd === 6) && p === 0) continue;
    const before = equity;
    equity += p;
    returns.push(before > 0 ? p / before : 0);
    t.push(d);
    v.push(equity);
  }
  if (objective === 'sharpe') {
    const sd = stdev(returns);
    const m = returns.reduce((a, b) => a + b, 0) / returns.length;
    return sd > 0 ? (m / sd) * Math.sqrt(TRADING_DAYS) : 0;
  }
  const years = returns.length / TRADING_DAYS;
  const cagr = equity > 0 ? (equity / capital) ** (1 / years) - 1 : -1;
  const dd = drawdown(t, v, capital).max;
  return dd > 0 ? cagr / dd : cagr > 0 ? Number.MAX_VALUE : 0;
}

/** The largest fall of equity from its peak (a fraction) under daily net P&L on shared capital. */
function drawdownOf(pnlByDay: Map<number, number>, capital: number): number {
  const days = [...pnlByDay.keys()].sort((a, b) => a - b);
  let equity = capital;
  const v = days.map((d) => (equity += pnlByDay.get(d)!));
  return drawdown(days, v, capital).max;
}

/** Daily net P&L of the accepted trades whose entries fall in [from, to). */
function dailyPnl(cands: Candidate[], trades: { cand: number; trade: number }[], from: number, to: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const { cand, trade } of trades) {
    const c = cands[cand]!;
    if (c.entry[trade]! < from || c.entry[trade]! >= to) continue;
    const d = Math.floor(c.exit[trade]! / DAY_MS);
    m.set(d, (m.get(d) ?? 0) + c.net[trade]!);
  }
  return m;
}

/** Pearson correlation of two daily net P&L series over the days either has. */
function correlation(pa: Map<number, number>, pb: Map<number, number>): number {
  const days = [...new Set([...pa.keys(), ...pb.keys()])];
  if (days.length < 3) return 0;
  const x = days.map((d) => pa.get(d) ?? 0);
  const y = days.map((d) => pb.get(d) ?? 0);
  const vx = covariance(x, x);
  const vy = covariance(y, y);
  return vx > 0 && vy > 0 ? covariance(x, y) / Math.sqrt(vx * vy) : 0;
}

/**
 * Greedy portfolio construction: for each max-positions value, start empty and repeatedly add the
 * candidate whose trades most improve the training-period objective of the combined portfolio
 * (shared capital, at most that many positions open, net P&L booked on exit days; an empty one
 * scores 0), stopping when none improves it; a candidate correlating above the limit with a chosen
 * one is skipped, and so is one whose addition takes the training drawdown beyond the risk limit.
 * The best (max positions, instruments) on training is then measured on the test period.
 */
export function greedyPortfolio(cands: Candidate[], o: PortfolioOptions): PortfolioResult {
  const grid = o.maxPositions ?? Array.from({ length: Math.max(1, cands.length) }, (_, i) => i + 1);
  const score = (chosen: number[], k: number, from: number, to: number): number => objectiveOf(dailyPnl(cands, accepted(cands, chosen, k), from, to), o.capital, o.objective);
  // Each candidate's own training-period daily P&L, which correlations compare.
  const alone = cands.map((c, k) => dailyPnl(cands, Array.from(c.entry, (_, i) => ({ cand: k, trade: i })), Number.NEGATIVE_INFINITY, o.split));
  const byMaxPositions: PortfolioResult['byMaxPositions'] = [];
  let best: { k: number; chosen: number[]; train: number; steps: PortfolioStep[]; skipped: string[]; skippedRisk: string[] } | null = null;
  for (const k of grid) {
    const chosen: number[] = [];
    const steps: PortfolioStep[] = [];
    const skipped = new Set<string>();
    const skippedRisk = new Set<string>();
    // An empty portfolio scores 0: a candidate must beat doing nothing.
    let current = 0;
    for (;;) {
      let pick = -1;
      let pickScore = current;
      for (let c = 0; c < cands.length; c++) {
        if (chosen.includes(c)) continue;
        if (o.correlationLimit !== undefined && chosen.some((x) => correlation(alone[x]!, alone[c]!) > o.correlationLimit!)) {
          skipped.add(cands[c]!.name);
          continue;
        }
        const train = dailyPnl(cands, accepted(cands, [...chosen, c], k), Number.NEGATIVE_INFINITY, o.split);
        const s = objectiveOf(train, o.capital, o.objective);
        if (s > pickScore + 1e-12 && o.maxDrawdown !== undefined && drawdownOf(train, o.capital) > o.maxDrawdown) {
          skippedRisk.add(cands[c]!.name);
          continue;
        }
        if (s > pickScore + 1e-12) {
          pick = c;
          pickScore = s;
        }
      }
      if (pick < 0) break;
      chosen.push(pick);
      current = pickScore;
      steps.push({ added: cands[pick]!.name, train: pickScore, test: score(chosen, k, o.split, Number.POSITIVE_INFINITY) });
    }
    byMaxPositions.push({ maxPositions: k, train: current, chosen: chosen.map((c) => cands[c]!.name) });
    if (chosen.length > 0 && (best === null || current > best.train + 1e-12)) best = { k, chosen, train: current, steps, skipped: [...skipped], skippedRisk: [...skippedRisk].filter((x) => !chosen.some((c) => cands[c]!.name === x)) };
  }
  if (best === null) return { objective: o.objective, split: o.split, chosen: [], maxPositions: 0, steps: [], byMaxPositions, train: Number.NEGATIVE_INFINITY, test: Number.NEGATIVE_INFINITY, skippedForCorrelation: [], skippedForRisk: [], correlation: [], contribution: {} };
  const trades = accepted(cands, best.chosen, best.k);
  const trainPnl = new Map<number, number>();
  for (const { cand, trade } of trades) if (cands[cand]!.entry[trade]! < o.split) trainPnl.set(cand, (trainPnl.get(cand) ?? 0) + cands[cand]!.net[trade]!);
  const total = [...trainPnl.values()].reduce((a, b) => a + b, 0);
  return {
    objective: o.objective,
    split: o.split,
    chosen: best.chosen.map((c) => cands[c]!.name),
    maxPositions: best.k,
    steps: best.steps,
    byMaxPositions,
    train: best.train,
    test: score(best.chosen, best.k, o.split, Number.POSITIVE_INFINITY),
    skippedForCorrelation: best.skipped,
    skippedForRisk: best.skippedRisk,
    correlation: best.chosen.map((a) => best!.chosen.map((b) => (a === b ? 1 : correlation(alone[a]!, alone[b]!)))),
    contribution: Object.fromEntries(best.chosen.map((c) => [cands[c]!.name, total !== 0 ? (trainPnl.get(c) ?? 0) / total : 0])),
  };
}
