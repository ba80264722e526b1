/** Names a score formula may use; metrics a model lacks (Sharpe before backtests exist) count as 0. */
export const SCORE_NAMES = ['balanced_accuracy', 'auc', 'log_loss', 'precision_at_k', 'accuracy', 'brier', 'ic', 'rmse', 'r2', 'sharpe', 'sortino', 'max_drawdown', 'trades'] as const;

/** The default leaderboard score. */
export const DEFAULT_SCORE = '0.4 * balanced_accuracy + 0.6 * min(sharpe / 3, 1)';

type Expr = (v: Record<string, number>) => number;

/** A formula the user wrote is wrong: the message says where and what is allowed. */
export class FormulaError extends Error {}

/**
 * Compiles an arithmetic score formula over the metric names: numbers, + − × ÷, parentheses and
 * min / max / abs. Nothing else is evaluated, so a formula cannot run code.
 */
export function compileScore(formula: string): Expr {
  const tokens = [...formula.matchAll(/\s*(\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/(),])/gy)];
  const consumed = tokens.reduce((a, t) => a + t[0].length, 0);
  if (consumed !== formula.replace(/\s+$/, '').length) throw new FormulaError(`score formula: cannot read it at character ${consumed + 1}: "${formula.slice(consumed, consumed + 10)}"`);
  const toks = tokens.map((t) => t[1]!);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const take = (want?: string): string => {
    const t = toks[i];
    if (t === undefined || (want !== undefined && t !== want)) throw new FormulaError(`score formula: expected ${want ?? 'more'} after "${toks.slice(0, i).join(' ')}"`);
    i++;
    return t;
  };
  const primary = (): Expr => {
    const t = take();
    if (t === '(') {
      const e = sum();
      take(')');
      return e;
    }
    if (t === '-') {
      const e = primary();
      return (v) => -e(v);
    }
    if (/^\d/.test(t)) {
      const x = Number(t);
      return () => x;
    }
    if (t === 'min' || t === 'max' || t === 'abs') {
      take('(');
      const args = [sum()];
      while (peek() === ',') {
        take(',');
        args.push(sum());
      }
      take(')');
      if (t === 'abs') return (v) => Math.abs(args[0]!(v));
      const f = t === 'min' ? Math.min : Math.max;
      return (v) => f(...args.map((a) => a(v)));
    }
    if ((SCORE_NAMES as readonly string[]).includes(t)) return (v) => v[t] ?? 0;
    throw new FormulaError(`score formula: unknown name "${t}"; use ${SCORE_NAMES.join(', ')}, numbers, + - * / ( ) and min, max, abs`);
  };
  const product = (): Expr => {
    let e = primary();
    while (peek() === '*' || peek() === '/') {
      const op = take();
      const a = e;
      const b = primary();
      e = op === '*' ? (v) => a(v) * b(v) : (v) => a(v) / b(v);
    }
    return e;
  };
  const sum = (): Expr => {
    let e = product();
    while (peek() === '+' || peek() === '-') {
      const op = take();
      const a = e;
      const b = product();
      e = op === '+' ? (v) => a(v) + b(v) : (v) => a(v) - b(v);
    }
    return e;
  };
  if (toks.length === 0) throw new FormulaError('score formula: it is empty');
  const e = sum();
  if (i !== toks.length) throw new FormulaError(`score formula: unexpected "${toks[i]}" after "${toks.slice(0, i).join(' ')}"`);
  return e;
}
